import KhudiCorpus
import Testing

@Suite struct PIIRedactorTests {
    static let cases: [(input: String, output: String, kind: PIIRedactor.Kind?)] = [
        ("رابطہ info@example.org پر کریں", "رابطہ <EMAIL> پر کریں", .email),
        ("a.b-c+d@mail.co.uk.", "<EMAIL>.", .email),
        ("0300-1234567 پر کال", "<PHONE> پر کال", .phone),
        ("+92 321 7654321", "<PHONE>", .phone),
        ("+92-321-7654321", "<PHONE>", .phone),
        ("+923217654321", "<PHONE>", .phone),
        ("0092 300 1234567", "<PHONE>", .phone),
        ("03001234567۔", "<PHONE>۔", .phone),
        (
            "\u{06F0}\u{06F3}\u{06F1}\u{06F1}-\u{06F7}\u{06F6}\u{06F5}\u{06F4}\u{06F3}\u{06F2}\u{06F1}",
            "<PHONE>", .phone
        ),
        ("شناختی کارڈ 35202-1234567-1 لکھیں", "شناختی کارڈ <CNIC> لکھیں", .cnic),
        (
            "\u{06F3}\u{06F5}\u{06F2}\u{06F0}\u{06F2}-\u{06F1}\u{06F2}\u{06F3}\u{06F4}\u{06F5}\u{06F6}\u{06F7}-\u{06F1}",
            "<CNIC>", .cnic
        ),
        ("سرور 192.168.10.25 ہے", "سرور <IP_ADDRESS> ہے", .ipAddress),
        ("2001:db8::8a2e:370:7334", "<IP_ADDRESS>", .ipAddress),
        ("fe80:0:0:0:202:b3ff:fe1e:8329", "<IP_ADDRESS>", .ipAddress),
        // Not personal data:
        ("سال 2024 میں 1,500 روپے", "سال 2024 میں 1,500 روپے", nil),
        ("وقت 10:30 اور 12:30:45 ہے", "وقت 10:30 اور 12:30:45 ہے", nil),
        ("ورژن 1.2.3.4.5 اور 300.1.1.1", "ورژن 1.2.3.4.5 اور 300.1.1.1", nil),
        ("کوڈ 1234-5678901-23", "کوڈ 1234-5678901-23", nil),
        ("نمبر 04235761234", "نمبر 04235761234", nil),
        ("@handle اور email@", "@handle اور email@", nil),
    ]

    @Test(arguments: cases)
    func redacts(_ c: (input: String, output: String, kind: PIIRedactor.Kind?)) {
        let (text, counts) = PIIRedactor().redact(c.input)
        #expect(text == c.output)
        if let kind = c.kind {
            #expect(counts == [kind: 1])
        } else {
            #expect(counts.isEmpty)
        }
    }

    /// Text before, between and after matches is kept exactly, Urdu digits included.
    @Test func textAroundSeveralMatchesIsKept() {
        let (text, counts) = PIIRedactor().redact(
            "۱۲ ای میل a@b.co، فون 0300-1234567 اور ۳۵۲۰۲-۱۲۳۴۵۶۷-۱ پر ۲۰۲۴ میں")
        #expect(text == "۱۲ ای میل <EMAIL>، فون <PHONE> اور <CNIC> پر ۲۰۲۴ میں")
        #expect(counts == [.email: 1, .phone: 1, .cnic: 1])
    }

    @Test func onlyConfiguredKindsAreRedacted() {
        let redactor = PIIRedactor(kinds: [.email])
        let (text, counts) = redactor.redact("a@b.com 0300-1234567")
        #expect(text == "<EMAIL> 0300-1234567")
        #expect(counts == [.email: 1])
    }
}
