import GANTensor

/// Every loop in GANData that walks raw pixel memory: byte-to-float scaling with flips,
/// channel conversion, resampling, cropping, layout changes and grid composition.
///
/// Callers check shapes and sizes; these functions trust them.
enum PixelKernels {
    /// `byteToSigned[v]` = v / 127.5 − 1: bytes 0...255 mapped onto [−1, 1] (0 → −1, 255 → 1),
    /// as torchvision's `ToTensor()` then `Normalize(0.5, 0.5)`.
    static let byteToSigned: [Float] = (0..<256).map { Float(Double($0) / 127.5 - 1) }

    // MARK: Batches

    /// Copies the samples at `indices` of a byte data set into `destination` as floats in
    /// [−1, 1], reversing each row of `rowLength` values for the samples whose flip is set.
    static func gatherBytes(
        _ source: UnsafePointer<UInt8>, sampleSize: Int, rowLength: Int,
        indices: [Int], flips: [Bool]?, into destination: UnsafeMutablePointer<Float>
    ) {
        byteToSigned.withUnsafeBufferPointer { table in
            let lut = table.baseAddress!
            Parallel.forEachChunk(indices.count, costPerItem: sampleSize) { range in
                for b in range {
                    let src = source + indices[b] * sampleSize
                    let dst = destination + b * sampleSize
                    if let flips, flips[b] {
                        var row = 0
                        while row < sampleSize {
                            let last = row + rowLength - 1
                            for x in 0..<rowLength { dst[row + x] = lut[Int(src[last - x])] }
                            row += rowLength
                        }
                    } else {
                        for i in 0..<sampleSize { dst[i] = lut[Int(src[i])] }
                    }
                }
            }
        }
    }

    /// Copies the samples at `indices` of a float data set into `destination`, reversing
    /// each row of `rowLength` values for the samples whose flip is set.
    static func gatherFloats(
        _ source: UnsafePointer<Float>, sampleSize: Int, rowLength: Int,
        indices: [Int], flips: [Bool]?, into destination: UnsafeMutablePointer<Float>
    ) {
        Parallel.forEachChunk(indices.count, costPerItem: sampleSize) { range in
            for b in range {
                let src = source + indices[b] * sampleSize
                let dst = destination + b * sampleSize
                if let flips, flips[b] {
                    var row = 0
                    while row < sampleSize {
                        let last = row + rowLength - 1
                        for x in 0..<rowLength { dst[row + x] = src[last - x] }
                        row += rowLength
                    }
                } else {
                    dst.update(from: src, count: sampleSize)
                }
            }
        }
    }

    // MARK: Layout and channels

    /// Interleaved `[N, H, W, C]` values to planar `[N, C, H, W]` (`pixelCount` = H × W).
    static func planar<T>(fromInterleaved values: [T], images: Int = 1, pixelCount: Int, channels: Int) -> [T] {
        if channels == 1 { return values }
        var out = values
        let imageSize = pixelCount * channels
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for n in 0..<images {
                    let s = src.baseAddress! + n * imageSize, d = dst.baseAddress! + n * imageSize
                    for p in 0..<pixelCount {
                        for c in 0..<channels { d[c * pixelCount + p] = s[p * channels + c] }
                    }
                }
            }
        }
        return out
    }

    /// The payloads of `count` fixed-size records, each `headerSize` bytes of header followed
    /// by `payloadSize` bytes (CIFAR's label bytes and pixels), concatenated.
    static func recordPayloads(_ data: [UInt8], count: Int, headerSize: Int, payloadSize: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count * payloadSize)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    (dst.baseAddress! + i * payloadSize)
                        .update(from: src.baseAddress! + i * (headerSize + payloadSize) + headerSize, count: payloadSize)
                }
            }
        }
        return out
    }

    /// Planar `[C, H, W]` bytes to interleaved `[H, W, C]`.
    static func interleaved(fromPlanar pixels: UnsafeBufferPointer<UInt8>, pixelCount: Int, channels: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixelCount * channels)
        out.withUnsafeMutableBufferPointer { dst in
            for c in 0..<channels {
                for p in 0..<pixelCount { dst[p * channels + c] = pixels[c * pixelCount + p] }
            }
        }
        return out
    }

    /// Interleaved RGB to grey with the ITU-R 601-2 luma weights (as Pillow's `convert("L")`).
    static func grey(fromRGB pixels: [UInt8], pixelCount: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixelCount)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<pixelCount {
                    let r = UInt32(src[3 * p]), g = UInt32(src[3 * p + 1]), b = UInt32(src[3 * p + 2])
                    dst[p] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                }
            }
        }
        return out
    }

    /// Grey to interleaved RGB (each value repeated three times).
    static func rgb(fromGrey pixels: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels.count * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<src.count {
                    dst[3 * p] = src[p]; dst[3 * p + 1] = src[p]; dst[3 * p + 2] = src[p]
                }
            }
        }
        return out
    }

    // MARK: Geometry

    /// A window of interleaved pixels: `width`×`height` starting at (`left`, `top`).
    static func crop(
        _ pixels: [UInt8], width: Int, channels: Int,
        left: Int, top: Int, toWidth newWidth: Int, height newHeight: Int
    ) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * channels)
        let rowBytes = newWidth * channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let from = src.baseAddress! + ((top + y) * width + left) * channels
                    (dst.baseAddress! + y * rowBytes).update(from: from, count: rowBytes)
                }
            }
        }
        return out
    }

    /// Interleaved pixels placed at (`left`, `top`) on a `newWidth`×`newHeight` canvas filled
    /// with `fill` (one byte for every channel).
    static func pad(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int,
        left: Int, top: Int, toWidth newWidth: Int, height newHeight: Int, fill: UInt8
    ) -> [UInt8] {
        var out = [UInt8](repeating: fill, count: newWidth * newHeight * channels)
        let rowBytes = width * channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    (dst.baseAddress! + ((top + y) * newWidth + left) * channels)
                        .update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
                }
            }
        }
        return out
    }

    /// Resamples interleaved pixels with a triangle (bilinear) filter widened by the scale
    /// when shrinking, so downsizing averages instead of aliasing (Pillow's BILINEAR resize).
    static func resize(
        _ pixels: [UInt8], width: Int, height: Int, channels: Int, toWidth newWidth: Int, height newHeight: Int
    ) -> [UInt8] {
        // Horizontal pass into floats, then vertical pass with rounding.
        let horizontal = filterTaps(from: width, to: newWidth)
        let vertical = filterTaps(from: height, to: newHeight)
        var middle = [Float](repeating: 0, count: height * newWidth * channels)
        pixels.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { mid in
                for y in 0..<height {
                    for x in 0..<newWidth {
                        let (start, weights) = horizontal[x]
                        for c in 0..<channels {
                            var sum: Float = 0
                            for (k, w) in weights.enumerated() {
                                sum += w * Float(src[(y * width + start + k) * channels + c])
                            }
                            mid[(y * newWidth + x) * channels + c] = sum
                        }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
        middle.withUnsafeBufferPointer { mid in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let (start, weights) = vertical[y]
                    for i in 0..<(newWidth * channels) {
                        var sum: Float = 0
                        for (k, w) in weights.enumerated() { sum += w * mid[(start + k) * newWidth * channels + i] }
                        dst[y * newWidth * channels + i] = UInt8(Swift.min(255, Swift.max(0, sum.rounded())))
                    }
                }
            }
        }
        return out
    }

    /// For each output position, the first input position and the normalised weights.
    private static func filterTaps(from inSize: Int, to outSize: Int) -> [(Int, [Float])] {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = Swift.max(scale, 1)
        let support = filterScale  // the triangle filter's radius is 1, widened when shrinking
        return (0..<outSize).map { out in
            let centre = (Double(out) + 0.5) * scale
            let low = Swift.max(0, Int((centre - support + 0.5).rounded(.down)))
            let high = Swift.min(inSize, Int((centre + support + 0.5).rounded(.down)))
            let weights = (low..<high).map { i -> Double in
                Swift.max(0, 1 - Swift.abs((Double(i) - centre + 0.5) / filterScale))
            }
            let total = weights.reduce(0, +)
            guard total > 0 else { return (Swift.min(Swift.max(Int(centre), 0), inSize - 1), [1]) }
            return (low, weights.map { Float($0 / total) })
        }
    }

    // MARK: Output

    /// Planar floats `[C, H, W]` to interleaved bytes: `lower...upper` maps onto 0...255 as
    /// torchvision's `save_image` does (scale, add 0.5, clamp, truncate); NaN becomes 0.
    static func quantize(
        _ planar: UnsafePointer<Float>, channels: Int, pixelCount: Int, lower: Float, upper: Float
    ) -> [UInt8] {
        let scale = 255 / (upper - lower)
        var out = [UInt8](repeating: 0, count: pixelCount * channels)
        out.withUnsafeMutableBufferPointer { dst in
            for c in 0..<channels {
                for p in 0..<pixelCount {
                    let v = (planar[c * pixelCount + p] - lower) * scale + 0.5
                    dst[p * channels + c] = v >= 0 ? UInt8(Swift.min(v, 255)) : 0
                }
            }
        }
        return out
    }

    /// Copies `count` images `[C, H, W]` into a grid `[C, gridHeight, gridWidth]` already
    /// filled with the padding value, `columns` per row, each at its padded cell.
    static func composeGrid(
        _ images: UnsafePointer<Float>, count: Int, channels: Int, height: Int, width: Int,
        columns: Int, padding: Int, into grid: UnsafeMutablePointer<Float>, gridHeight: Int, gridWidth: Int
    ) {
        for n in 0..<count {
            let top = (n / columns) * (height + padding) + padding
            let left = (n % columns) * (width + padding) + padding
            for c in 0..<channels {
                for y in 0..<height {
                    let src = images + ((n * channels + c) * height + y) * width
                    let dst = grid + (c * gridHeight + top + y) * gridWidth + left
                    dst.update(from: src, count: width)
                }
            }
        }
    }
}

// MARK: - Edge maps

extension PixelKernels {
    /// The Sobel gradient magnitude of each plane of `images` `[N, C, H, W]` (borders
    /// replicated), each image divided by its largest magnitude (left at 0 when flat).
    static func edgeMagnitudes(_ values: [Float], images: Int, channels: Int, height: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        let plane = height * width, imageSize = channels * plane
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEachChunk(images, costPerItem: imageSize * 16) { range in
                    for n in range {
                        var largest: Float = 0
                        for c in 0..<channels {
                            let p = s + n * imageSize + c * plane, q = d + n * imageSize + c * plane
                            for y in 0..<height {
                                let up = Swift.max(y - 1, 0) * width, row = y * width
                                let down = Swift.min(y + 1, height - 1) * width
                                for x in 0..<width {
                                    let l = Swift.max(x - 1, 0), r = Swift.min(x + 1, width - 1)
                                    // gx: [-1 0 1; -2 0 2; -1 0 1], gy: its transpose
                                    let gx = (p[up + r] + 2 * p[row + r] + p[down + r])
                                        - (p[up + l] + 2 * p[row + l] + p[down + l])
                                    let gy = (p[down + l] + 2 * p[down + x] + p[down + r])
                                        - (p[up + l] + 2 * p[up + x] + p[up + r])
                                    let m = (gx * gx + gy * gy).squareRoot()
                                    q[row + x] = m
                                    largest = Swift.max(largest, m)
                                }
                            }
                        }
                        if largest > 0 {
                            let q = d + n * imageSize
                            for i in 0..<imageSize { q[i] /= largest }
                        }
                    }
                }
            }
        }
        return out
    }
}
