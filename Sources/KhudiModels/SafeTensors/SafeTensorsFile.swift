import Foundation

/// A safetensors file opened for reading: memory-mapped, its header parsed and checked against
/// the format's rules before any tensor is handed out.
///
/// The checks follow the reference (Rust) reader: header length at most 100,000,000 bytes;
/// a JSON object of tensors plus an optional `__metadata__` map of strings; no name twice;
/// known dtypes; every tensor's byte count equal to its dtype size × shape; and the tensors
/// covering the data buffer exactly, with no hole, overlap or trailing byte. Tensor bytes are
/// read from the mapping, so opening a multi-gigabyte checkpoint costs no copy until a tensor
/// is converted.
public final class SafeTensorsFile: @unchecked Sendable {
    /// One tensor's description.
    public struct TensorInfo: Equatable, Sendable {
        public var name: String
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        /// Byte range within the data buffer.
        public var byteRange: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    public let path: String
    /// Tensors in the order of their data.
    public let tensors: [TensorInfo]
    /// `__metadata__` (empty when absent).
    public let metadata: [String: String]
    private let index: [String: Int]
    private let mapping: UnsafeMutableRawPointer?
    private let mappedSize: Int
    private let dataStart: Int

    /// The largest header the reference reader accepts.
    public static let maximumHeaderLength: UInt64 = 100_000_000

    public init(path: String) throws(SafeTensorsError) {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size >= 8 else { throw .tooShort(path: path, size: size) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
            mapped != MAP_FAILED
        else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var keepMapping = false
        defer { if !keepMapping { munmap(mapped, size) } }

        let (tensors, metadata, dataStart) = try Self.check(
            UnsafeRawBufferPointer(start: mapped, count: size), path: path)
        self.tensors = tensors
        self.metadata = metadata
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
        mapping = mapped
        mappedSize = size
        self.dataStart = dataStart
        keepMapping = true
    }

    deinit {
        if let mapping { munmap(mapping, mappedSize) }
    }

    /// Checks a whole file's bytes (header length, header, tensors).
    ///
    /// Returns its tensors in data order, its metadata and where its data starts. The fuzz
    /// target (scripts/fuzz/safetensors) drives this.
    public static func check(
        _ file: UnsafeRawBufferPointer, path: String
    ) throws(SafeTensorsError) -> (
        tensors: [TensorInfo], metadata: [String: String], dataStart: Int
    ) {
        guard file.count >= 8, let base = file.baseAddress else {
            throw .tooShort(path: path, size: file.count)
        }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= Self.maximumHeaderLength else {
            throw .headerTooLarge(path: path, length: headerLength)
        }
        guard 8 + Int(headerLength) <= file.count else {
            throw .headerBeyondFile(path: path, length: headerLength, fileSize: file.count)
        }
        let header: SafeTensorsHeader
        do {
            header = try SafeTensorsHeader(
                UnsafeRawBufferPointer(start: base + 8, count: Int(headerLength)))
        } catch {
            switch error {
            case .duplicate(let name): throw .duplicateTensor(path: path, name: name)
            case .malformed(let reason): throw .malformedHeader(path: path, reason: reason)
            }
        }
        let dataStart = 8 + Int(headerLength)
        let tensors = try validate(header.entries, dataSize: file.count - dataStart, path: path)
        return (tensors, header.metadata, dataStart)
    }

    /// Checks dtypes, sizes and exact coverage; returns the tensors sorted by offset.
    static func validate(
        _ entries: [SafeTensorsHeader.Entry], dataSize: Int, path: String
    ) throws(SafeTensorsError) -> [TensorInfo] {
        var tensors: [TensorInfo] = []
        for entry in entries {
            guard let dtype = SafeTensorsDType(rawValue: entry.dtype) else {
                throw .unknownDType(path: path, tensor: entry.name, dtype: entry.dtype)
            }
            guard entry.begin <= entry.end else {
                throw .badOffsets(
                    path: path, tensor: entry.name,
                    reason: "data_offsets [\(entry.begin), \(entry.end)] end before they begin")
            }
            guard entry.end <= dataSize else {
                throw .badOffsets(
                    path: path, tensor: entry.name,
                    reason:
                        "data_offsets end at \(entry.end), past the \(dataSize)-byte data buffer")
            }
            var elements = 1
            for dimension in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw .badOffsets(path: path, tensor: entry.name, reason: "shape too large")
                }
                elements = product
            }
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, bytes == entry.end - entry.begin else {
                throw .badOffsets(
                    path: path, tensor: entry.name,
                    reason:
                        "shape \(entry.shape) of \(dtype.rawValue) needs \(overflow ? "more" : "\(bytes)") bytes, data_offsets give \(entry.end - entry.begin)"
                )
            }
            tensors.append(
                TensorInfo(
                    name: entry.name, dtype: dtype, shape: entry.shape,
                    byteRange: entry.begin..<entry.end))
        }
        tensors.sort {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound)
                < ($1.byteRange.lowerBound, $1.byteRange.upperBound)
        }
        var covered = 0
        var previous: String?
        for tensor in tensors {
            if tensor.byteRange.lowerBound < covered, let previous {
                throw .overlap(path: path, first: previous, second: tensor.name)
            }
            guard tensor.byteRange.lowerBound == covered else {
                throw .uncoveredBytes(
                    path: path, at: covered,
                    reason: "no tensor covers bytes \(covered)..<\(tensor.byteRange.lowerBound)")
            }
            covered = tensor.byteRange.upperBound
            if !tensor.byteRange.isEmpty { previous = tensor.name }
        }
        guard covered == dataSize else {
            throw .uncoveredBytes(
                path: path, at: covered,
                reason: "\(dataSize - covered) bytes after the last tensor")
        }
        return tensors
    }

    /// The tensor named `name`.
    public func info(_ name: String) throws(SafeTensorsError) -> TensorInfo {
        guard let position = index[name] else { throw .missingTensor(path: path, name: name) }
        return tensors[position]
    }

    /// Calls `body` with a tensor's raw little-endian bytes, straight from the mapping.
    public func withBytes<Result>(
        of name: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let tensor = try info(name)
        let start = mapping.map { $0 + dataStart + tensor.byteRange.lowerBound }
        return try body(UnsafeRawBufferPointer(start: start, count: tensor.byteRange.count))
    }

    /// Writes a floating-point tensor's values as Float32 into `out` (`elementCount` of them),
    /// straight from the mapping: no intermediate array.
    public func read(_ name: String, into out: UnsafeMutablePointer<Float>) throws {
        let tensor = try info(name)
        try withBytes(of: name) { bytes in
            let count = tensor.elementCount
            switch tensor.dtype {
            case .f32:
                // Little-endian files on a little-endian machine: a plain copy.
                if let base = bytes.baseAddress {
                    UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: 4 * count)
                }
            case .f16:
                for i in 0..<count {
                    out[i] = HalfPrecision.float(
                        fromHalf: UInt16(
                            littleEndian: bytes.loadUnaligned(
                                fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                for i in 0..<count {
                    out[i] = HalfPrecision.float(
                        fromBrain: UInt16(
                            littleEndian: bytes.loadUnaligned(
                                fromByteOffset: 2 * i, as: UInt16.self)))
                }
            default:
                throw SafeTensorsError.notFloatingPoint(
                    path: path, tensor: name, dtype: tensor.dtype.rawValue)
            }
        }
    }

    /// A floating-point tensor's values as Float32 (F32 copied, F16 and BF16 widened exactly).
    public func floats(_ name: String) throws -> [Float] {
        let count = try info(name).elementCount
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { try read(name, into: base) }
            initialized = count
        }
    }
}
