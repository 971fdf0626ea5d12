import CGANImage
import GANTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An 8-bit image in memory: rows top to bottom, `channels` interleaved bytes per pixel
/// (1 for grey, 3 for RGB). The exchange format between files and tensors.
///
/// ```swift
/// let photo = try Bitmap(contentsOf: "cat.jpg")              // PNG or JPEG, by signature
/// let square = photo.resizedAndCentreCropped(to: 64).converted(toChannels: 3)
/// let x = square.tensor()                                     // [3, 64, 64] in [-1, 1]
/// try Bitmap(tensor: x).writePNG(to: "cat-64.png")
/// ```
public struct Bitmap: Equatable, Sendable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Bytes per pixel: 1 (grey) or 3 (RGB).
    public let channels: Int
    /// `height * width * channels` bytes, interleaved.
    public let pixels: [UInt8]

    /// An image from its interleaved bytes.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "Bitmap: size \(width)x\(height) must be positive")
        precondition(channels == 1 || channels == 3, "Bitmap: \(channels) channels, expected 1 or 3")
        precondition(pixels.count == width * height * channels,
                     "Bitmap: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    // MARK: Files

    /// Reads a PNG or a JPEG, recognised by its first bytes rather than its name.
    public init(contentsOf path: String) throws {
        guard let file = fopen(path, "rb") else {
            throw DataError(FileIO.exists(path) ? .inputOutput : .notFound, path: path,
                            FileIO.exists(path) ? "cannot open" : "no such file")
        }
        var head = [UInt8](repeating: 0, count: 8)
        let read = fread(&head, 1, 8, file)
        fclose(file)
        if read >= 8 && head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] {
            self = try Bitmap.readPNG(path)
        } else if read >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF {
            self = try Bitmap.readJPEG(path)
        } else {
            throw DataError(.unsupported, path: path,
                            "expected a PNG or JPEG image (by its first bytes), found neither")
        }
    }

    /// Reads a PNG of any bit depth and colour type as grey or RGB; transparency is
    /// composited onto white.
    public static func readPNG(_ path: String) throws -> Bitmap {
        try decode(path, format: "PNG") { gi_png_read(path, &$0, $1, $2) }
    }

    /// Decodes a PNG held in memory (an emoji font's bitmap), as `readPNG` does a file.
    ///
    /// - Parameter source: what errors name as the origin of the bytes.
    public init(pngData data: [UInt8], source: String) throws {
        self = try data.withUnsafeBufferPointer { bytes in
            try Bitmap.decode(source, format: "PNG", checksFile: false) {
                gi_png_read_memory(bytes.baseAddress, bytes.count, &$0, $1, $2)
            }
        }
    }

    /// Reads a JPEG as grey or RGB. A file cut short is an error.
    public static func readJPEG(_ path: String) throws -> Bitmap {
        try decode(path, format: "JPEG") { gi_jpeg_read(path, &$0, $1, $2) }
    }

    private static func decode(
        _ path: String, format: String, checksFile: Bool = true,
        _ call: (inout gi_image, UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws -> Bitmap {
        var image = gi_image()
        if let failure = FileIO.callCWithStatus({ call(&image, $0, $1) }) {
            let kind: DataError.Kind = checksFile && !FileIO.exists(path) ? .notFound : (failure.status == -2 ? .unsupported : .malformed)
            throw DataError(kind, path: path, "expected a readable \(format) image: \(failure.message)")
        }
        defer { gi_free(image.pixels) }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        guard let pixels = image.pixels, count > 0 else {
            throw DataError(.malformed, path: path, "expected a \(format) image with pixels, found none")
        }
        return Bitmap(width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
                      pixels: [UInt8](UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Writes an 8-bit grey or RGB PNG.
    public func writePNG(to path: String) throws {
        let failure = FileIO.callC { message, size in
            pixels.withUnsafeBufferPointer {
                gi_png_write(path, $0.baseAddress, Int32(width), Int32(height), Int32(channels), message, size)
            }
        }
        if let failure { throw DataError(.inputOutput, path: path, "could not write PNG: \(failure)") }
    }

    /// Writes a grey or RGB JPEG at `quality` 1...100.
    public func writeJPEG(to path: String, quality: Int = 95) throws {
        let failure = FileIO.callC { message, size in
            pixels.withUnsafeBufferPointer {
                gi_jpeg_write(path, $0.baseAddress, Int32(width), Int32(height), Int32(channels),
                              Int32(quality), message, size)
            }
        }
        if let failure { throw DataError(.inputOutput, path: path, "could not write JPEG: \(failure)") }
    }

    // MARK: Conversions

    /// This image with `channels` channels: grey repeated into RGB, or RGB reduced to
    /// grey with the ITU-R 601-2 luma weights.
    public func converted(toChannels newChannels: Int) -> Bitmap {
        precondition(newChannels == 1 || newChannels == 3, "Bitmap.converted: \(newChannels) channels, expected 1 or 3")
        if newChannels == channels { return self }
        let converted = newChannels == 1
            ? PixelKernels.grey(fromRGB: pixels, pixelCount: width * height)
            : PixelKernels.rgb(fromGrey: pixels)
        return Bitmap(width: width, height: height, channels: newChannels, pixels: converted)
    }

    /// This image resampled to `newWidth`×`newHeight` (bilinear, antialiased when shrinking).
    public func resized(width newWidth: Int, height newHeight: Int) -> Bitmap {
        precondition(newWidth > 0 && newHeight > 0, "Bitmap.resized: size \(newWidth)x\(newHeight) must be positive")
        if newWidth == width && newHeight == height { return self }
        return Bitmap(width: newWidth, height: newHeight, channels: channels,
                      pixels: PixelKernels.resize(pixels, width: width, height: height, channels: channels,
                                                  toWidth: newWidth, height: newHeight))
    }

    /// The central `newWidth`×`newHeight` window (at most the whole image).
    public func centreCropped(width newWidth: Int, height newHeight: Int) -> Bitmap {
        let w = Swift.min(newWidth, width), h = Swift.min(newHeight, height)
        if w == width && h == height { return self }
        return Bitmap(width: w, height: h, channels: channels,
                      pixels: PixelKernels.crop(pixels, width: width, channels: channels,
                                                left: (width - w) / 2, top: (height - h) / 2, toWidth: w, height: h))
    }

    /// This image centred on a square canvas of its longer side, the margins filled with
    /// `fill` (255: white) — so a resize keeps the aspect and crops nothing.
    public func paddedToSquare(fill: UInt8 = 255) -> Bitmap {
        let side = Swift.max(width, height)
        if width == height { return self }
        return Bitmap(width: side, height: side, channels: channels,
                      pixels: PixelKernels.pad(pixels, width: width, height: height, channels: channels,
                                               left: (side - width) / 2, top: (side - height) / 2,
                                               toWidth: side, height: side, fill: fill))
    }

    /// A `size`×`size` image: the shorter side resized to `size` (aspect kept), then the centre
    /// cropped — torchvision's `Resize(size)` followed by `CenterCrop(size)`.
    public func resizedAndCentreCropped(to size: Int) -> Bitmap {
        precondition(size > 0, "Bitmap.resizedAndCentreCropped: size \(size) must be positive")
        let scale = Double(size) / Double(Swift.min(width, height))
        let w = Swift.max(size, Int((Double(width) * scale).rounded()))
        let h = Swift.max(size, Int((Double(height) * scale).rounded()))
        return resized(width: w, height: h).centreCropped(width: size, height: size)
    }

    // MARK: Tensors

    /// The pixels as a `[C, H, W]` tensor, `0...255` mapped onto `valueRange`.
    public func tensor(valueRange: ClosedRange<Float> = -1...1) -> Tensor {
        let planar = PixelKernels.planar(fromInterleaved: pixels, pixelCount: width * height, channels: channels)
        let scale = (valueRange.upperBound - valueRange.lowerBound) / 255
        return Tensor(planar.map { valueRange.lowerBound + Float($0) * scale }, shape: [channels, height, width])
    }

    /// An image from a `[C, H, W]` tensor (C 1 or 3): `valueRange` maps onto 0...255 and values
    /// outside it are clamped, as torchvision's `save_image`.
    public init(tensor: Tensor, valueRange: ClosedRange<Float> = -1...1) {
        precondition(tensor.rank == 3 && (tensor.shape[0] == 1 || tensor.shape[0] == 3),
                     "Bitmap(tensor:): expected shape [1 or 3, H, W], got \(tensor.shape)")
        precondition(valueRange.upperBound > valueRange.lowerBound, "Bitmap(tensor:): empty value range \(valueRange)")
        let (c, h, w) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
        let bytes = tensor.withUnsafeBufferPointer {
            PixelKernels.quantize($0.baseAddress!, channels: c, pixelCount: h * w,
                                  lower: valueRange.lowerBound, upper: valueRange.upperBound)
        }
        self.init(width: w, height: h, channels: c, pixels: bytes)
    }
}
