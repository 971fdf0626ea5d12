import GANTensor

/// Sample grids, laid out as torchvision's `make_grid` and written as `save_image` does.
///
/// Images fill rows of `imagesPerRow` (torchvision's `nrow`), each surrounded by `padding`
/// pixels of `padValue`. One difference: grey images stay one channel (torchvision repeats
/// them into three), so grids of grey samples are written as 8-bit grey PNGs.
///
/// ```swift
/// let samples = generator(z)                                  // [64, 1, 28, 28] in [-1, 1]
/// try ImageGrid.writePNG(samples, to: "samples/step-000100.png")   // 8×8, padding 2
/// ```
public enum ImageGrid {
    /// The images `[N, C, H, W]` (or one image `[C, H, W]`) tiled into one image `[C, H', W']`.
    ///
    /// - Parameters:
    ///   - imagesPerRow: images in each row of the grid; the number of rows follows.
    ///   - padding: pixels between images and around the border.
    ///   - normalize: map values to [0, 1]: `valueRange` (clamped) when given, otherwise the
    ///     minimum and maximum of all images — or of each image with `scaleEach`.
    ///   - padValue: the value of the padding (after normalisation).
    /// - Returns: `[C, rows × (H + padding) + padding, columns × (W + padding) + padding]`;
    ///   a single image comes back as it is (normalised), without padding, as in torchvision.
    public static func make(
        _ images: Tensor, imagesPerRow: Int = 8, padding: Int = 2, normalize: Bool = false,
        valueRange: ClosedRange<Float>? = nil, scaleEach: Bool = false, padValue: Float = 0
    ) -> Tensor {
        precondition(images.rank == 3 || images.rank == 4, "ImageGrid.make: expected [N, C, H, W] or [C, H, W], got \(images.shape)")
        precondition(imagesPerRow > 0 && padding >= 0, "ImageGrid.make: imagesPerRow must be positive and padding non-negative")
        var batch = withoutGradients { images.rank == 3 ? images.unsqueezed(axis: 0) : images.detach() }
        if normalize {
            batch = withoutGradients { () -> Tensor in
                if scaleEach {
                    return Tensor.concatenate((0..<batch.shape[0]).map { i in
                        normalised(batch.slice(axis: 0, start: i, end: i + 1), valueRange)
                    }, axis: 0)
                }
                return normalised(batch, valueRange)
            }
        }
        let (n, c, h, w) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        precondition(n > 0, "ImageGrid.make: no images")
        if n == 1 { return batch.reshaped([c, h, w]) }
        let columns = Swift.min(imagesPerRow, n)
        let rows = (n + columns - 1) / columns
        let gridHeight = rows * (h + padding) + padding
        let gridWidth = columns * (w + padding) + padding
        let grid = TensorStorage(repeating: padValue, count: c * gridHeight * gridWidth)
        batch.withUnsafeBufferPointer {
            PixelKernels.composeGrid($0.baseAddress!, count: n, channels: c, height: h, width: w,
                                     columns: columns, padding: padding, into: grid.base,
                                     gridHeight: gridHeight, gridWidth: gridWidth)
        }
        return Tensor(shape: [c, gridHeight, gridWidth], storage: grid)
    }

    /// The grid of `images` as an 8-bit bitmap: `valueRange` maps onto 0...255, values
    /// outside it are clamped (torchvision's `save_image(normalize=True, value_range=...)`).
    public static func bitmap(
        _ images: Tensor, imagesPerRow: Int = 8, padding: Int = 2,
        valueRange: ClosedRange<Float> = -1...1, padValue: Float = 0
    ) -> Bitmap {
        let grid = make(images, imagesPerRow: imagesPerRow, padding: padding, normalize: true,
                        valueRange: valueRange, padValue: padValue)
        return Bitmap(tensor: grid, valueRange: 0...1)
    }

    /// Writes the grid of `images` (1 or 3 channels) as a PNG.
    public static func writePNG(
        _ images: Tensor, to path: String, imagesPerRow: Int = 8, padding: Int = 2,
        valueRange: ClosedRange<Float> = -1...1, padValue: Float = 0
    ) throws {
        try bitmap(images, imagesPerRow: imagesPerRow, padding: padding, valueRange: valueRange, padValue: padValue)
            .writePNG(to: path)
    }

    /// Writes the grid of `images` (1 or 3 channels) as a PNG or a JPEG, as the extension of
    /// `path` says (see `ImageFileFormat`).
    public static func write(
        _ images: Tensor, to path: String, imagesPerRow: Int = 8, padding: Int = 2,
        valueRange: ClosedRange<Float> = -1...1, padValue: Float = 0
    ) throws {
        _ = try ImageFileFormat(path: path)
        try bitmap(images, imagesPerRow: imagesPerRow, padding: padding, valueRange: valueRange, padValue: padValue)
            .write(to: path)
    }

    /// `x` clamped to `range` (or its own min...max) and mapped onto [0, 1].
    private static func normalised(_ x: Tensor, _ range: ClosedRange<Float>?) -> Tensor {
        let low = range?.lowerBound ?? x.min().item
        let high = range?.upperBound ?? x.max().item
        return (x.clamped(min: low, max: high) - low) * (1 / Swift.max(high - low, 1e-5))
    }
}
