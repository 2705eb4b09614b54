import KhudiText
import Testing

@Suite struct SegmentationTests {
    static let cases: [(name: String, text: String, sentences: [String])] = [
        (
            "Urdu full stop and question mark", "یہ کتاب ہے۔ کیا آپ نے پڑھی؟ ہاں!",
            ["یہ کتاب ہے۔", "کیا آپ نے پڑھی؟", "ہاں!"]
        ),
        ("list number before ۔", "دفعہ ۱۔ ہر انسان آزاد ہے۔", ["دفعہ ۱۔ ہر انسان آزاد ہے۔"]),
        ("a bare list number", "۱۔ پہلی بات۔\n2۔ دوسری بات۔", ["۱۔ پہلی بات۔", "2۔ دوسری بات۔"]),
        (
            "decimal and thousands", "قیمت 3.5 فیصد اور 1,500 روپے ہے۔",
            ["قیمت 3.5 فیصد اور 1,500 روپے ہے۔"]
        ),
        (
            "URL and e-mail", "ویب سائٹ example.org/a.html اور info@example.org دیکھیں۔",
            ["ویب سائٹ example.org/a.html اور info@example.org دیکھیں۔"]
        ),
        ("abbreviations", "Dr. Khan نے کہا۔ U.S. میں بھی۔", ["Dr. Khan نے کہا۔", "U.S. میں بھی۔"]),
        ("year signs are not terminals", "وہ 2009ء میں پیدا ہوئے۔", ["وہ 2009ء میں پیدا ہوئے۔"]),
        (
            "closing quote stays", "اس نے کہا: ”چلو۔“ پھر چلا گیا۔",
            ["اس نے کہا: ”چلو۔“", "پھر چلا گیا۔"]
        ),
        ("repeated terminals are one boundary", "اچھا۔۔۔ ٹھیک ہے", ["اچھا۔۔۔", "ٹھیک ہے"]),
        (
            "newline is a hard boundary", "سرخی بغیر نقطے کے\nدوسری سطر",
            ["سرخی بغیر نقطے کے", "دوسری سطر"]
        ),
        ("English sentences", "It rained. We stayed in!", ["It rained.", "We stayed in!"]),
    ]

    @Test(arguments: cases)
    func splitsSentences(_ c: (name: String, text: String, sentences: [String])) {
        #expect(SentenceSplitter.sentences(c.text) == c.sentences, "\(c.name)")
    }

    @Test func wordsKeepMarksAndZWNJAndDropPunctuation() {
        let words = WordSplitter.words("کِتاب، خوش\u{200C}نما؟ (GPT-2) ۱۲۳۔\nاگلی").map(String.init)
        #expect(words == ["کِتاب", "خوش\u{200C}نما", "GPT", "2", "۱۲۳", "اگلی"])
        #expect(WordSplitter.isAlphabetic("کِتاب"))
        #expect(!WordSplitter.isAlphabetic("۱۲۳"))
    }
}
