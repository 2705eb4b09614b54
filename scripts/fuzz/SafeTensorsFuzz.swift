// libFuzzer entry point for the safetensors reader's checks (header length, the strict JSON
// header parser, offsets). scripts/fuzz/safetensors compiles it together with
// Sources/KhudiModels/SafeTensors/*.swift under -sanitize=fuzzer,address.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Any input must end in a result or a SafeTensorsError, never a crash or a sanitizer report.
    _ = try? SafeTensorsFile.check(UnsafeRawBufferPointer(start: data, count: size), path: "input")
    return 0
}
