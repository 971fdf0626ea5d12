import Foundation
import GANData
import GANTensor

/// Writes what a model produces as a picture: a grid of images, or — for 2-D toy points —
/// a scatter plot over the mixture's mode centres.
public enum SampleWriter {
    /// Writes `samples` to `path` (a PNG or a JPEG, as its extension says): an image grid with
    /// `perRow` images per row, or a scatter plot of 2-D points.
    public static func write(_ samples: Tensor, to path: String, perRow: Int = 8,
                             toy: ToyMixture? = nil, labels: [Int]? = nil) throws {
        if samples.rank == 2 && samples.shape[1] == 2 {
            try scatter(samples, modes: toy?.centres ?? [], labels: labels).write(to: path)
        } else if samples.rank == 4 {
            try ImageGrid.write(samples, to: path, imagesPerRow: perRow)
        } else {
            throw ModelError.invalidOption("\(path): cannot draw samples of shape \(samples.shape) (expected images [N, C, H, W] or points [N, 2])")
        }
    }

    /// A 400×400 RGB scatter plot of points `[N, 2]` over [−3, 3]² (widened to fit): mode
    /// centres as red crosses, points in dark blue (or a colour per label).
    public static func scatter(_ points: Tensor, modes: [[Float]], labels: [Int]? = nil, size: Int = 400) -> Bitmap {
        let values = points.scalars
        var extent: Float = 3
        for v in values where v.isFinite { extent = Swift.max(extent, Swift.min(Swift.abs(v) * 1.05, 50)) }
        for m in modes { extent = Swift.max(extent, Swift.abs(m[0]) + 1, Swift.abs(m[1]) + 1) }
        var pixels = [UInt8](repeating: 255, count: size * size * 3)
        func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < size, y < size else { return }
            let i = 3 * (y * size + x)
            pixels[i] = c.0; pixels[i + 1] = c.1; pixels[i + 2] = c.2
        }
        func pixel(_ v: Float, flip: Bool) -> Int {
            let t = (v + extent) / (2 * extent)
            return Int(((flip ? 1 - t : t) * Float(size - 1)).rounded())
        }
        for k in 0..<size { put(k, pixel(0, flip: true), (225, 225, 225)); put(pixel(0, flip: false), k, (225, 225, 225)) }
        let palette: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (148, 103, 189),
                                                 (140, 86, 75), (227, 119, 194), (127, 127, 127), (23, 190, 207)]
        for i in 0..<(values.count / 2) where values[2 * i].isFinite && values[2 * i + 1].isFinite {
            let x = pixel(values[2 * i], flip: false), y = pixel(values[2 * i + 1], flip: true)
            let colour = labels.map { palette[$0[i] % palette.count] } ?? (20, 40, 120)
            put(x, y, colour); put(x + 1, y, colour); put(x, y + 1, colour); put(x + 1, y + 1, colour)
        }
        for m in modes {
            let x = pixel(m[0], flip: false), y = pixel(m[1], flip: true)
            for d in -5...5 { put(x + d, y, (220, 30, 30)); put(x, y + d, (220, 30, 30)) }
        }
        return Bitmap(width: size, height: size, channels: 3, pixels: pixels)
    }
}
