// Conversions between Float32 and the two 16-bit float formats safetensors files hold, done
// on bit patterns (Swift's `Float16` is missing on some platforms). Rounding is to nearest,
// ties to even, as PyTorch's `.half()` / `.bfloat16()`; overflow gives infinity; NaN stays NaN.

enum HalfPrecision {
    /// The Float32 value of IEEE binary16 `bits`.
    static func float(fromHalf bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
        }
    }

    /// `value` rounded to IEEE binary16.
    static func half(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            // Infinity, or NaN kept quiet with the top of its payload.
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(truncatingIfNeeded: mantissa >> 13) : 0)
        }
        let e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            // Subnormal result (or zero): the value in units of 2^-24 is (1.m) >> (14 - e).
            if e < -10 { return sign }
            let full = mantissa | 0x80_0000
            let shift = UInt32(14 - e)
            var result = full >> shift
            let remainder = full & ((1 << shift) - 1), halfway: UInt32 = 1 << (shift - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(result)
        }
        var result = (UInt32(e) << 10) | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(result)
    }

    /// The Float32 value of bfloat16 `bits` (exact: the top half of a Float32).
    static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// `value` rounded to bfloat16.
    static func bfloat16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
