#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A seeded pseudo-random generator (xoshiro256** seeded through SplitMix64).
///
/// The same seed gives the same numbers on every machine: only integer arithmetic
/// and correctly rounded conversions decide the uniform values. Its state can be saved
/// and restored, so a resumed training run draws the same numbers.
public struct RandomGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    // The four words of xoshiro256** state.
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// A generator whose sequence is determined by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @usableFromInline @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RandomGenerator.rotl(s3, 45)
        return result
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Fills `buffer` with standard normal values (Box–Muller in double precision).
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float, standardDeviation: Float) {
        var i = 0
        let n = buffer.count
        while i < n {
            let u1 = 1.0 - nextUniformDouble()  // (0, 1]: log is finite
            let u2 = nextUniformDouble()
            let r = (-2.0 * log(u1)).squareRoot()
            let theta = 2.0 * Double.pi * u2
            buffer[i] = mean + standardDeviation * Float(r * cos(theta))
            if i + 1 < n { buffer[i + 1] = mean + standardDeviation * Float(r * sin(theta)) }
            i += 2
        }
    }
}
