/// The element types of the safetensors format, by their header strings.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case f8e8m0 = "F8_E8M0"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"
    case c64 = "C64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .f64, .i64, .u64, .c64: 8
        }
    }
}

/// Conversions between Float32 and the 16-bit float formats checkpoints use.
public enum HalfPrecision {
    /// IEEE 754 binary16 bits to Float32 (exact: every half value is a float).
    public static func float(fromHalf bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// Float32 to binary16 bits, rounding to nearest even (as PyTorch's `.half()`).
    public static func half(from value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// bfloat16 bits (the top half of a Float32) to Float32.
    public static func float(fromBrain bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Float32 to bfloat16 bits, rounding to nearest even; NaN stays NaN (as PyTorch).
    public static func brain(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}

extension HalfPrecision {
    /// `values` as little-endian bytes of F32, F16 or BF16 (rounded to nearest even).
    ///
    /// Every Khudi checkpoint writer (safetensors, GGUF) encodes through this. F32 is the
    /// values' own bytes.
    static func bytes(_ values: [Float], as dtype: SafeTensorsDType) -> [UInt8] {
        switch dtype {
        case .f32:
            // Little-endian machine, little-endian formats: the values' bytes as they are.
            return values.withUnsafeBytes { Array($0) }
        case .f16, .bf16:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(2 * values.count)
            for value in values {
                let bits = dtype == .f16 ? half(from: value) : brain(from: value)
                withUnsafeBytes(of: bits.littleEndian) { bytes += $0 }
            }
            return bytes
        default:
            preconditionFailure("Float32 values cannot be stored as \(dtype.rawValue)")
        }
    }
}
