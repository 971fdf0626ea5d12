import GANTensor

/// Animated GIF89a files, for interpolation strips: frames of one size shown in a loop.
///
/// Grey frames use a palette of 256 greys, so they are stored exactly. Colour frames use a
/// fixed palette of 6 red × 7 green × 6 blue levels (252 colours), with Floyd–Steinberg
/// dithering unless `dither` is false. The pixels are LZW-compressed as GIF requires.
///
/// ```swift
/// // frames: [C, H, W] tensors in [-1, 1], for example one interpolation grid per step
/// try AnimatedGIF.write(frames, to: "interpolation.gif", delay: 8)
/// ```
public enum AnimatedGIF {
    /// Writes `frames` (all the same size) as an animated GIF.
    ///
    /// - Parameters:
    ///   - delay: time each frame is shown, in hundredths of a second.
    ///   - loopCount: how many times the animation repeats; 0 loops forever.
    ///   - dither: diffuse colour quantisation error (colour frames only).
    /// - Throws: `.invalidArgument` for no frames or frames of different sizes,
    ///   `.inputOutput` when the file cannot be written.
    public static func write(
        _ frames: [Bitmap], to path: String, delay: Int = 10, loopCount: Int = 0, dither: Bool = true
    ) throws {
        guard let first = frames.first else {
            throw DataError(.invalidArgument, path: path, "expected at least one frame for the GIF, got none")
        }
        if let odd = frames.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
            throw DataError(.invalidArgument, path: path,
                            "expected every frame to be \(first.width)×\(first.height) like frame 0, frame \(odd) is \(frames[odd].width)×\(frames[odd].height)")
        }
        guard first.width <= 65535 && first.height <= 65535 else {
            throw DataError(.invalidArgument, path: path, "GIF frames are at most 65535×65535, got \(first.width)×\(first.height)")
        }
        try FileIO.writeBytes(encode(frames, delay: delay, loopCount: loopCount, dither: dither), to: path)
    }

    /// Writes tensors `[C, H, W]` (C 1 or 3, `valueRange` mapped onto 0...255) as an animated GIF.
    public static func write(
        _ frames: [Tensor], to path: String, valueRange: ClosedRange<Float> = -1...1,
        delay: Int = 10, loopCount: Int = 0, dither: Bool = true
    ) throws {
        try write(frames.map { Bitmap(tensor: $0, valueRange: valueRange) }, to: path,
                  delay: delay, loopCount: loopCount, dither: dither)
    }

    /// The bytes of a GIF89a holding `frames` (non-empty, all the same size).
    public static func encode(_ frames: [Bitmap], delay: Int = 10, loopCount: Int = 0, dither: Bool = true) -> [UInt8] {
        precondition(!frames.isEmpty, "AnimatedGIF.encode: no frames")
        let width = frames[0].width, height = frames[0].height
        let grey = frames.allSatisfy { $0.channels == 1 }
        var out: [UInt8] = Array("GIF89a".utf8)
        appendWord(&out, width)
        appendWord(&out, height)
        out += [0xF7, 0, 0]  // global colour table of 256 entries, 8-bit colour resolution
        out += grey ? greyPalette : colourPalette
        // NETSCAPE2.0 application extension: the loop count.
        out += [0x21, 0xFF, 0x0B] + Array("NETSCAPE2.0".utf8) + [0x03, 0x01]
        appendWord(&out, Swift.min(Swift.max(loopCount, 0), 65535))
        out.append(0)
        for frame in frames {
            // Graphic control extension: leave the frame in place, then wait `delay`.
            out += [0x21, 0xF9, 0x04, 0x04]
            appendWord(&out, Swift.min(Swift.max(delay, 0), 65535))
            out += [0x00, 0x00]
            // Image descriptor: the whole screen, no local colour table, not interlaced.
            out.append(0x2C)
            appendWord(&out, 0); appendWord(&out, 0); appendWord(&out, width); appendWord(&out, height)
            out.append(0)
            let indices = grey ? frame.pixels : colourIndices(frame.converted(toChannels: 3), dither: dither)
            out.append(8)  // LZW minimum code size
            let compressed = lzw(indices)
            var start = 0
            while start < compressed.count {
                let length = Swift.min(255, compressed.count - start)
                out.append(UInt8(length))
                out += compressed[start..<(start + length)]
                start += length
            }
            out.append(0)
        }
        out.append(0x3B)
        return out
    }

    // MARK: Palettes

    private static let greyPalette: [UInt8] = (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }

    private static let levels = (red: 6, green: 7, blue: 6)

    private static func levelValue(_ q: Int, _ count: Int) -> Int { (q * 255 + (count - 1) / 2) / (count - 1) }

    private static let colourPalette: [UInt8] = {
        var palette: [UInt8] = []
        for r in 0..<levels.red {
            for g in 0..<levels.green {
                for b in 0..<levels.blue {
                    palette += [UInt8(levelValue(r, levels.red)), UInt8(levelValue(g, levels.green)),
                                UInt8(levelValue(b, levels.blue))]
                }
            }
        }
        return palette + [UInt8](repeating: 0, count: 768 - palette.count)
    }()

    /// Palette indices for an RGB frame, with Floyd–Steinberg error diffusion when `dither`.
    private static func colourIndices(_ frame: Bitmap, dither: Bool) -> [UInt8] {
        let (w, h) = (frame.width, frame.height)
        let counts = [levels.red, levels.green, levels.blue]
        var indices = [UInt8](repeating: 0, count: w * h)
        var error = [Float](repeating: 0, count: 2 * (w + 2) * 3)  // this row and the next, with margins
        for y in 0..<h {
            let row = (y % 2) * (w + 2) * 3, below = ((y + 1) % 2) * (w + 2) * 3
            for i in 0..<((w + 2) * 3) { error[below + i] = 0 }
            for x in 0..<w {
                var q = [0, 0, 0]
                for c in 0..<3 {
                    let wanted = Float(frame.pixels[(y * w + x) * 3 + c]) + (dither ? error[row + (x + 1) * 3 + c] : 0)
                    let n = counts[c]
                    q[c] = Swift.min(n - 1, Swift.max(0, Int((wanted * Float(n - 1) / 255).rounded())))
                    guard dither else { continue }
                    let e = wanted - Float(levelValue(q[c], n))
                    error[row + (x + 2) * 3 + c] += e * 7 / 16
                    error[below + x * 3 + c] += e * 3 / 16
                    error[below + (x + 1) * 3 + c] += e * 5 / 16
                    error[below + (x + 2) * 3 + c] += e * 1 / 16
                }
                indices[y * w + x] = UInt8((q[0] * levels.green + q[1]) * levels.blue + q[2])
            }
        }
        return indices
    }

    // MARK: LZW

    /// GIF's variable-width LZW over 8-bit indices: codes of 9 to 12 bits packed
    /// least-significant bit first, a clear code first and whenever the table fills.
    static func lzw(_ indices: [UInt8]) -> [UInt8] {
        let clear = 256, end = 257
        var out: [UInt8] = []
        out.reserveCapacity(indices.count / 2 + 16)
        var bitBuffer: UInt32 = 0, bitCount: UInt32 = 0
        var codeSize: UInt32 = 9
        func emit(_ code: Int) {
            bitBuffer |= UInt32(code) << bitCount
            bitCount += codeSize
            while bitCount >= 8 {
                out.append(UInt8(bitBuffer & 0xFF))
                bitBuffer >>= 8
                bitCount -= 8
            }
        }
        // Open-addressed table from (prefix code, next byte) to code.
        let tableSize = 1 << 14
        var keys = [Int32](repeating: -1, count: tableSize)
        var values = [Int16](repeating: 0, count: tableSize)
        var nextCode = 258
        emit(clear)
        guard var prefix = indices.first.map(Int.init) else {
            emit(end)
            if bitCount > 0 { out.append(UInt8(bitBuffer & 0xFF)) }
            return out
        }
        for byte in indices.dropFirst() {
            let key = Int32(prefix << 8 | Int(byte))
            var slot = Int((UInt32(bitPattern: key) &* 2_654_435_761) >> 18) & (tableSize - 1)
            while keys[slot] != -1 && keys[slot] != key { slot = (slot + 1) & (tableSize - 1) }
            if keys[slot] == key {
                prefix = Int(values[slot])
                continue
            }
            emit(prefix)
            if nextCode < 4096 {
                keys[slot] = key
                values[slot] = Int16(nextCode)
                nextCode += 1
                if nextCode > (1 << codeSize) && codeSize < 12 { codeSize += 1 }
            } else {
                emit(clear)
                for i in 0..<tableSize { keys[i] = -1 }
                nextCode = 258
                codeSize = 9
            }
            prefix = Int(byte)
        }
        emit(prefix)
        // The decoder adds an entry on reading that last code, and may widen before the end code.
        if nextCode >= (1 << codeSize) && codeSize < 12 { codeSize += 1 }
        emit(end)
        if bitCount > 0 { out.append(UInt8(bitBuffer & 0xFF)) }
        return out
    }

    private static func appendWord(_ out: inout [UInt8], _ value: Int) {
        out.append(UInt8(value & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
    }
}
