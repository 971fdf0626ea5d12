import GANTensor
import Testing
@testable import GANData

@Suite struct ImageCodecTests {
    @Test(arguments: [1, 3])
    func pngRoundTrip(channels: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let image = Bitmap(width: 37, height: 23, channels: channels, pixels: patternBytes(width: 37, height: 23, channels: channels))
        let path = dir.file("round.png")
        try image.writePNG(to: path)
        #expect(try Bitmap.readPNG(path) == image)
        #expect(try Bitmap(contentsOf: path) == image)
    }

    @Test(arguments: [1, 3])
    func jpegRoundTripWithinTolerance(channels: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let image = smoothBitmap(width: 48, height: 40, channels: channels)
        let path = dir.file("round.jpg")
        try image.writeJPEG(to: path, quality: 95)
        let back = try Bitmap(contentsOf: path)
        #expect(back.width == 48 && back.height == 40 && back.channels == channels)
        let errors = zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(errors.reduce(0, +)) / Double(errors.count)
        #expect(mean < 1.5, "mean absolute error \(mean)")
        #expect(errors.max()! <= 16, "largest error \(errors.max()!)")
    }

    @Test func pngWithBadCRC() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("bad-crc.png")
        try Bitmap(width: 8, height: 8, channels: 3, pixels: patternBytes(width: 8, height: 8, channels: 3)).writePNG(to: path)
        let good = try FileIO.readBytes(path)
        // IHDR's CRC (bytes 29...32) and, separately, IDAT's.
        var badHeader = good
        badHeader[30] ^= 0xFF
        try FileIO.writeBytes(badHeader, to: path)
        expectError(dataError { try Bitmap(contentsOf: path) }, .malformed, mentions: ["bad-crc.png", "PNG", "CRC"])
        var badData = good
        badData[good.count - 12 - 1] ^= 0x01  // the last byte of IDAT's CRC (IEND is the last 12 bytes)
        try FileIO.writeBytes(badData, to: path)
        expectError(dataError { try Bitmap.readPNG(path) }, .malformed, mentions: ["bad-crc.png", "CRC"])
    }

    @Test func pngCutShort() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("short.png")
        try Bitmap(width: 30, height: 30, channels: 1, pixels: patternBytes(width: 30, height: 30, channels: 1)).writePNG(to: path)
        let good = try FileIO.readBytes(path)
        for keep in [good.count - 6, good.count / 2, 20, 5] {
            try FileIO.writeBytes(Array(good.prefix(keep)), to: path)
            expectError(dataError { try Bitmap.readPNG(path) }, .malformed, mentions: ["short.png", "PNG"])
        }
    }

    @Test func jpegCutShort() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("short.jpg")
        try smoothBitmap(width: 64, height: 64, channels: 3).writeJPEG(to: path)
        let good = try FileIO.readBytes(path)
        for keep in [good.count - 10, good.count / 2, 100, 4] {
            try FileIO.writeBytes(Array(good.prefix(keep)), to: path)
            expectError(dataError { try Bitmap(contentsOf: path) }, .malformed, mentions: ["short.jpg", "JPEG"])
        }
    }

    @Test func notAnImage() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        try FileIO.writeBytes(Array("GIF89a and then some".utf8), to: dir.file("picture.png"))
        expectError(dataError { try Bitmap(contentsOf: dir.file("picture.png")) }, .unsupported,
                    mentions: ["picture.png", "expected a PNG or JPEG"])
        expectError(dataError { try Bitmap.readPNG(dir.file("picture.png")) }, .malformed, mentions: ["PNG signature"])
        expectError(dataError { try Bitmap(contentsOf: dir.file("missing.png")) }, .notFound, mentions: ["missing.png"])
    }

    @Test func channelConversion() {
        let grey = Bitmap(width: 3, height: 1, channels: 1, pixels: [0, 128, 255])
        let rgb = grey.converted(toChannels: 3)
        #expect(rgb.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
        #expect(rgb.converted(toChannels: 1) == grey)
        // Pillow's L = 0.299 R + 0.587 G + 0.114 B.
        let colour = Bitmap(width: 3, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255])
        #expect(colour.converted(toChannels: 1).pixels == [76, 150, 29])
    }

    @Test func resizeAndCrop() {
        let flat = Bitmap(width: 40, height: 20, channels: 3, pixels: [UInt8](repeating: 77, count: 40 * 20 * 3))
        let square = flat.resizedAndCentreCropped(to: 10)
        #expect(square.width == 10 && square.height == 10)
        #expect(square.pixels.allSatisfy { $0 == 77 })
        // Columns 0..<40 with value = column: the centre crop of the half-size image holds
        // columns around 10...30 of the original, averaged in pairs.
        var ramp = [UInt8](); for _ in 0..<20 { for x in 0..<40 { ramp.append(UInt8(x * 6)) } }
        let cropped = Bitmap(width: 40, height: 20, channels: 1, pixels: ramp).resizedAndCentreCropped(to: 10)
        let row = Array(cropped.pixels.prefix(10))
        #expect(row == row.sorted())
        #expect(abs(Int(row[0]) - 10 * 6 - 3) <= 4 && abs(Int(row[9]) - 28 * 6 - 3) <= 4, "\(row)")
        // Centre crop alone takes the middle window.
        let window = Bitmap(width: 40, height: 20, channels: 1, pixels: ramp).centreCropped(width: 4, height: 2)
        #expect(window.pixels == [18, 19, 20, 21, 18, 19, 20, 21].map { UInt8($0 * 6) })
        // Upscaling keeps a constant image constant too.
        #expect(Bitmap(width: 3, height: 3, channels: 1, pixels: [9, 9, 9, 9, 9, 9, 9, 9, 9])
            .resized(width: 7, height: 5).pixels.allSatisfy { $0 == 9 })
    }

    @Test func tensorConversion() {
        let image = Bitmap(width: 2, height: 1, channels: 3, pixels: [0, 255, 51, 102, 153, 204])
        let t = image.tensor()
        #expect(t.shape == [3, 1, 2])
        #expect(t.scalars[0] == -1 && t.scalars[2] == 1)  // red of pixel 0, green of pixel 0
        #expect(Bitmap(tensor: t) == image)
        // Out-of-range values are clamped.
        let wild = Bitmap(tensor: Tensor([-3, 0, 5], shape: [1, 1, 3]))
        #expect(wild.pixels == [0, 128, 255])
    }
}

/// PNG and JPEG variants our writer never makes (palette, 1-bit, 16-bit, alpha, progressive,
/// CMYK), made by Pillow and compared with Pillow's own decoding (alpha composited onto white)
/// — when Pillow is installed.
@Suite struct PillowMadeImageTests {
    @Test func readsEveryVariantAsPillowDoes() throws {
        guard runTool(["python3", "-c", "import PIL, numpy"])?.status == 0 else {
            print("Pillow or NumPy not installed: variant cross-check skipped")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let script = """
            import numpy as np
            from PIL import Image
            d = '\(dir.path)/'
            y, x = np.mgrid[0:21, 0:34]
            rgb = np.stack([x * 7 % 256, y * 12 % 256, (x + y) * 5 % 256], -1).astype(np.uint8)
            def save(name, im, expected, **kw):
                im.save(d + name, **kw)
                np.save(d + name + '.npy', np.ascontiguousarray(expected))
            save('rgb.png', Image.fromarray(rgb), rgb)
            # Alpha is composited onto white: c' = round((c a + 255 (255 - a)) / 255).
            def on_white(c, a):
                c, a = c.astype(np.int64), a.astype(np.int64)[..., None] if c.ndim == 3 else a.astype(np.int64)
                return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)
            save('rgba.png', Image.fromarray(np.dstack([rgb, rgb[..., :1]])), on_white(rgb, rgb[..., 0]))
            p = Image.fromarray(rgb).quantize(40)
            save('palette.png', p, np.asarray(p.convert('RGB')))
            save('grey-alpha.png', Image.fromarray(np.dstack([rgb[..., 0], rgb[..., 1]]), 'LA'), on_white(rgb[..., 0], rgb[..., 1]))
            g16 = (x * 1900 + y * 7).astype(np.uint16)
            save('grey16.png', Image.fromarray(g16), (g16 >> 8).astype(np.uint8))
            bits = Image.fromarray(((x + y) % 3 == 0).astype(np.uint8) * 255).convert('1')
            save('bits.png', bits, np.asarray(bits.convert('L')))
            smooth = np.stack([x * 4, y * 6 + 20, x + y * 3], -1).astype(np.uint8)
            for name, kw in [('baseline.jpg', {}), ('progressive.jpg', {'progressive': True})]:
                Image.fromarray(smooth).save(d + name, quality=92, **kw)
                np.save(d + name + '.npy', np.asarray(Image.open(d + name).convert('RGB')))
            Image.fromarray(smooth[..., 0]).save(d + 'grey.jpg', quality=92)
            np.save(d + 'grey.jpg.npy', np.asarray(Image.open(d + 'grey.jpg')))
            Image.fromarray(smooth).convert('CMYK').save(d + 'cmyk.jpg')
            """
        let made = runTool(["python3", "-c", script])
        #expect(made?.status == 0, "\(made?.output ?? "")")
        let exact = ["rgb.png", "rgba.png", "palette.png", "grey-alpha.png", "grey16.png", "bits.png"]
        for name in exact + ["baseline.jpg", "progressive.jpg", "grey.jpg"] {
            let image = try Bitmap(contentsOf: dir.file(name))
            let expected = try NumPy.read(dir.file(name + ".npy"))
            guard case .uint8(let pixels) = expected.values else { Issue.record("\(name): expected uint8"); continue }
            #expect([image.height, image.width] == Array(expected.shape.prefix(2)), "\(name)")
            #expect(image.channels == (expected.shape.count == 3 ? expected.shape[2] : 1), "\(name)")
            let worst = zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
            #expect(worst <= (exact.contains(name) ? 0 : 2), "\(name): largest difference from Pillow \(worst)")
        }
        expectError(dataError { try Bitmap(contentsOf: dir.file("cmyk.jpg")) }, .unsupported, mentions: ["cmyk.jpg", "CMYK"])
    }
}
