/// TFRecord framing, the container of TensorBoard's `events.out.tfevents.*` files: each record
/// is
///
/// ```text
/// uint64 length · uint32 masked CRC-32C of those 8 bytes · length bytes · uint32 masked CRC-32C of the bytes
/// ```
///
/// all little-endian (TensorFlow's `record_writer.cc`).
public enum EventFile {
    /// `data` framed as one record.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        out += length
        out += littleEndianBytes(CRC32C.masked(CRC32C.checksum(length)))
        out += data
        out += littleEndianBytes(CRC32C.masked(CRC32C.checksum(data)))
        return out
    }

    /// The records of `bytes`, up to the first one that is cut short or fails a checksum
    /// (a process killed mid-write leaves such a tail); `intact` says whether every byte was
    /// read.
    public static func records(in bytes: [UInt8]) -> (records: [ArraySlice<UInt8>], intact: Bool) {
        var records: [ArraySlice<UInt8>] = []
        var i = 0
        while i < bytes.count {
            guard bytes.count - i >= 12 else { return (records, false) }
            let header = bytes[i..<(i + 8)]
            guard masked(bytes, at: i + 8) == CRC32C.masked(CRC32C.checksum(header)) else { return (records, false) }
            let length = header.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let start = i + 12
            guard length <= UInt64(bytes.count - start), bytes.count - start - Int(length) >= 4 else { return (records, false) }
            let data = bytes[start..<(start + Int(length))]
            guard masked(bytes, at: data.endIndex) == CRC32C.masked(CRC32C.checksum(data)) else { return (records, false) }
            records.append(data)
            i = data.endIndex + 4
        }
        return (records, true)
    }

    private static func masked(_ bytes: [UInt8], at i: Int) -> UInt32 {
        bytes[i..<(i + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
