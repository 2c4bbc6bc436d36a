// libFuzzer entry point. Build only with `swift build --sanitize=fuzzer` (scripts/fuzz):
// libFuzzer provides main(). The harness is FuzzHarness.swift, a symlink to
// Tests/StetCRDTTests/FuzzRegressionTests.swift, so the regression tests run the same code.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInit(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    if let v = getenv("STET_FUZZ_SKIP_KNOWN"), String(cString: v) == "1" {
        FuzzHarness.skipKnownOpen = true
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    do {
        _ = try FuzzHarness.run(bytes)
    } catch {
        // Not a Lib0DecodingError/ApplyError: a round-trip property failed or an unexpected error.
        fatalError("fuzz property violated: \(error)")
    }
    return 0
}
