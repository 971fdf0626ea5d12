import Foundation

/// A seeded mutator for fuzzing file readers: every run of a test tries the same inputs, so a
/// crash it finds reproduces, and CI never turns red by chance.
///
/// Each mutant is a seed file with one to four edits: a flipped bit, a byte set to an edge value,
/// a little-endian 16/32/64-bit field set to an edge value (length and count fields), bytes
/// inserted, deleted, duplicated or the file cut short.
public struct Mutator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound > 0`).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    static let edgeBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFE, 0xFF]
    static let edgeWords: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                      0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 1 << 40]

    /// `bytes` with one to four random edits.
    public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        for _ in 0...below(4) {
            if b.isEmpty { b = [UInt8(truncatingIfNeeded: next())]; continue }
            let at = below(b.count)
            switch below(8) {
            case 0:
                b[at] ^= 1 << UInt8(below(8))
            case 1:
                b[at] = Self.edgeBytes[below(Self.edgeBytes.count)]
            case 2:
                let width = [2, 4, 8][below(3)], value = Self.edgeWords[below(Self.edgeWords.count)]
                for k in 0..<width where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            case 3:
                b.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: next()) }, at: at)
            case 4:
                b.removeSubrange(at..<min(b.count, at + 1 + below(64)))
            case 5:
                let end = min(b.count, at + 1 + below(64))
                b.insert(contentsOf: b[at..<end], at: below(b.count))
            case 6:
                b.removeSubrange(at..<b.count)
            default:
                b[at] = UInt8(truncatingIfNeeded: next())
            }
        }
        return b
    }
}

/// What a fuzz run of one reader saw.
public struct FuzzTally: CustomStringConvertible {
    public var reader: String
    public var tried = 0
    public var accepted = 0
    public var rejected = 0
    public var description: String { "\(reader): \(tried) inputs, \(accepted) read, \(rejected) refused with an error" }

    public init(reader: String) { self.reader = reader }
}

/// Writes `count` mutants of the seed files to `file`, one after another, and calls `read` on
/// each: reading either returns or throws; anything else (a trap, a hang) fails the test run.
/// `GAN_FUZZ_TRACE=1` prints each mutant's index before it is read, to find the one that stops
/// the process.
///
/// `repair` runs on each mutant first (e.g. to fix checksums, so that mutants get past them).
public func fuzz(_ reader: String, seeds: [[UInt8]], count: Int, seed: UInt64 = 1, file: URL,
                 repair: ([UInt8]) -> [UInt8] = { $0 }, read: (URL) throws -> Void) throws -> FuzzTally {
    precondition(!seeds.isEmpty, "fuzz: no seed inputs for \(reader)")
    var mutator = Mutator(seed: seed)
    var tally = FuzzTally(reader: reader)
    let trace = ProcessInfo.processInfo.environment["GAN_FUZZ_TRACE"] == "1"
    for i in 0..<count {
        let input = repair(mutator.mutate(seeds[i % seeds.count]))
        try Data(input).write(to: file)
        if trace { print("\(reader) mutant \(i): \(input.count) bytes") }
        tally.tried += 1
        do {
            try read(file)
            tally.accepted += 1
        } catch {
            tally.rejected += 1
        }
    }
    return tally
}

/// The CRC-32 of zlib and PNG.
public func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// A PNG with each whole chunk's CRC recomputed, so that a mutant reaches the chunk parsers
/// instead of stopping at a checksum.
public func repairingPNGChecksums(_ bytes: [UInt8]) -> [UInt8] {
    var b = bytes, at = 8
    while at + 12 <= b.count {
        let length = Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
        guard length <= b.count - at - 12 else { break }
        let crc = crc32(b[(at + 4)..<(at + 8 + length)])
        for k in 0..<4 { b[at + 8 + length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        at += 12 + length
    }
    return b
}
