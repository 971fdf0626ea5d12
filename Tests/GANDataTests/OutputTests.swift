import Foundation
import GANTensor
import Testing
@testable import GANData

@Suite struct ImageGridTests {
    @Test func layoutAsTorchvision() {
        // 5 images of 1×2×3 with value n+1, 2 per row, padding 1, pad value 0.
        let images = Tensor((0..<5).flatMap { n in [Float](repeating: Float(n + 1), count: 6) }, shape: [5, 1, 2, 3])
        let grid = ImageGrid.make(images, imagesPerRow: 2, padding: 1)
        // rows = 3: height 3 × (2 + 1) + 1 = 10; width 2 × (3 + 1) + 1 = 9.
        #expect(grid.shape == [1, 10, 9])
        let g = grid.scalars
        func at(_ y: Int, _ x: Int) -> Float { g[y * 9 + x] }
        #expect(at(0, 0) == 0 && at(1, 0) == 0 && at(1, 1) == 1 && at(2, 3) == 1 && at(1, 4) == 0)
        #expect(at(1, 5) == 2 && at(4, 1) == 3 && at(7, 5) == 0 && at(7, 1) == 5 && at(9, 8) == 0)
        // A single image comes back without padding, as torchvision does.
        #expect(ImageGrid.make(images.slice(axis: 0, start: 0, end: 1)).shape == [1, 2, 3])
    }

    @Test func normaliseOptions() {
        let images = Tensor([-1, 0, 1, 3], shape: [2, 1, 1, 2])
        let clamped = ImageGrid.make(images, imagesPerRow: 2, padding: 0, normalize: true, valueRange: -1...1)
        #expect(clamped.scalars == [0, 0.5, 1, 1])
        let own = ImageGrid.make(images, imagesPerRow: 2, padding: 0, normalize: true)
        #expect(own.scalars == [0, 0.25, 0.5, 1])
        let each = ImageGrid.make(images, imagesPerRow: 2, padding: 0, normalize: true, scaleEach: true)
        #expect(each.scalars == [0, 1, 0, 1])
    }

    @Test func writesGreyAndColourPNGs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var rng = RandomGenerator(seed: 3)
        let grey = Tensor.randomUniform([16, 1, 28, 28], lower: -1, upper: 1, using: &rng)
        try ImageGrid.writePNG(grey, to: dir.file("grey.png"), imagesPerRow: 4)
        let back = try Bitmap.readPNG(dir.file("grey.png"))
        #expect(back.channels == 1 && back.width == 4 * 30 + 2 && back.height == 4 * 30 + 2)
        // Pixel (2, 2) is image 0's (0, 0): (x + 1) / 2 × 255 + 0.5, truncated.
        let x0 = grey.scalars[0]
        #expect(back.pixels[2 * back.width + 2] == UInt8((x0 + 1) / 2 * 255 + 0.5))
        let colour = Tensor.randomUniform([3, 3, 8, 8], lower: -1, upper: 1, using: &rng)
        try ImageGrid.writePNG(colour, to: dir.file("colour.png"))
        #expect(try Bitmap.readPNG(dir.file("colour.png")).channels == 3)
    }
}

@Suite struct AnimatedGIFTests {
    @Test func greyFramesDecodeExactly() throws {
        let frames = (0..<4).map { k in
            Bitmap(width: 33, height: 17, channels: 1, pixels: patternBytes(width: 33, height: 17, channels: 1, seed: k))
        }
        let gif = try GIFDecoder(AnimatedGIF.encode(frames, delay: 7, loopCount: 0))
        #expect(gif.width == 33 && gif.height == 17 && gif.loopCount == 0)
        #expect(gif.delays == [7, 7, 7, 7])
        #expect(gif.frames.map { $0.map { gif.palette[3 * Int($0)] } } == frames.map(\.pixels))
    }

    @Test func largeFramesExerciseTableResets() throws {
        // Noise overflows the 4096-entry LZW table many times.
        var rng = RandomGenerator(seed: 9)
        let noise = (0..<(300 * 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let frame = Bitmap(width: 300, height: 200, channels: 1, pixels: noise)
        let flat = Bitmap(width: 300, height: 200, channels: 1, pixels: [UInt8](repeating: 3, count: 60000))
        let gif = try GIFDecoder(AnimatedGIF.encode([frame, flat]))
        #expect(gif.frames[0] == noise && gif.frames[1] == flat.pixels)
    }

    @Test(arguments: [true, false])
    func colourFramesAreClose(dither: Bool) throws {
        let frame = smoothBitmap(width: 40, height: 30, channels: 3)
        let gif = try GIFDecoder(AnimatedGIF.encode([frame, frame.converted(toChannels: 1)], loopCount: 3, dither: dither))
        #expect(gif.loopCount == 3 && gif.frames.count == 2)
        let rgb = gif.frames[0].flatMap { i in (0..<3).map { gif.palette[3 * Int(i) + $0] } }
        if dither {
            // Dithering trades per-pixel error for local averages: compare 4×4 block means.
            var worst = 0.0
            for by in 0..<(30 / 4) {
                for bx in 0..<(40 / 4) {
                    for c in 0..<3 {
                        var a = 0, b = 0
                        for y in (4 * by)..<(4 * by + 4) {
                            for x in (4 * bx)..<(4 * bx + 4) {
                                a += Int(rgb[(y * 40 + x) * 3 + c]); b += Int(frame.pixels[(y * 40 + x) * 3 + c])
                            }
                        }
                        worst = max(worst, abs(Double(a - b)) / 16)
                    }
                }
            }
            #expect(worst < 12, "largest 4×4 block error \(worst)")
        } else {
            // Nearest palette level: at most half a step (255 / 5 / 2) off.
            let errors = zip(rgb, frame.pixels).map { abs(Int($0) - Int($1)) }
            #expect(errors.max()! <= 26, "largest error \(errors.max()!)")
        }
    }

    @Test func rejectsMismatchedFrames() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let a = Bitmap(width: 2, height: 2, channels: 1, pixels: [0, 1, 2, 3])
        let b = Bitmap(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        expectError(dataError { try AnimatedGIF.write([a, b], to: dir.file("x.gif")) }, .invalidArgument,
                    mentions: ["x.gif", "frame 1 is 3×2"])
        expectError(dataError { try AnimatedGIF.write([Bitmap](), to: dir.file("x.gif")) }, .invalidArgument, mentions: ["no"])
    }
}

/// The files the project writes, checked by tools written by others: `pngcheck` for PNGs and
/// Pillow for PNGs and GIFs, each when installed (otherwise the test says so and passes).
@Suite struct IndependentCheckerTests {
    static func writeSamples(in dir: TemporaryDirectory) throws -> (pngs: [String], gifs: [String]) {
        var rng = RandomGenerator(seed: 1)
        let grey = Tensor.randomUniform([64, 1, 28, 28], lower: -1, upper: 1, using: &rng)
        let colour = Tensor.randomUniform([16, 3, 32, 32], lower: -1, upper: 1, using: &rng)
        try ImageGrid.writePNG(grey, to: dir.file("grey-grid.png"))
        try ImageGrid.writePNG(colour, to: dir.file("colour-grid.png"), imagesPerRow: 4)
        let steps = (0...8).map { Float($0) / 8 }
        let greyFrames = steps.map { t in ImageGrid.make(grey.slice(axis: 0, start: 0, end: 8) * (1 - t) + grey.slice(axis: 0, start: 8, end: 16) * t, normalize: true, valueRange: -1...1) }
        let colourFrames = steps.map { t in ImageGrid.make(colour.slice(axis: 0, start: 0, end: 4) * (1 - t) + colour.slice(axis: 0, start: 4, end: 8) * t, normalize: true, valueRange: -1...1) }
        try AnimatedGIF.write(greyFrames, to: dir.file("grey-strip.gif"), valueRange: 0...1, delay: 12)
        try AnimatedGIF.write(colourFrames, to: dir.file("colour-strip.gif"), valueRange: 0...1, delay: 12)
        return ([dir.file("grey-grid.png"), dir.file("colour-grid.png")], [dir.file("grey-strip.gif"), dir.file("colour-strip.gif")])
    }

    @Test func pngcheckAcceptsOurPNGs() throws {
        guard toolExists("pngcheck") else {
            print("pngcheck not installed (apt-get install pngcheck): PNG check skipped")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (pngs, _) = try Self.writeSamples(in: dir)
        for png in pngs {
            let result = runTool(["pngcheck", "-v", png])
            #expect(result?.status == 0, "\(result?.output ?? "")")
            print(result?.output.split(separator: "\n").last.map(String.init) ?? "")
        }
    }

    @Test func pillowAcceptsOurPNGsAndGIFs() throws {
        guard runTool(["python3", "-c", "import PIL"])?.status == 0 else {
            print("Pillow not installed (pip install pillow): Pillow check skipped")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let (pngs, gifs) = try Self.writeSamples(in: dir)
        let script = """
            import sys
            from PIL import Image
            for path in sys.argv[1:]:
                with Image.open(path) as im:
                    im.verify()
                with Image.open(path) as im:
                    frames = getattr(im, 'n_frames', 1)
                    for k in range(frames):
                        im.seek(k); im.load()
                    print(path.rsplit('/', 1)[-1], im.format, im.mode, im.size, 'frames', frames,
                          'loop', im.info.get('loop'), 'duration', im.info.get('duration'))
            """
        let result = runTool(["python3", "-c", script] + pngs + gifs)
        #expect(result?.status == 0, "\(result?.output ?? "")")
        print(result?.output ?? "")
        let line = result?.output.split(separator: "\n").first { $0.hasPrefix("grey-strip.gif") }.map(String.init) ?? ""
        #expect(line.contains("GIF") && line.contains("(242, 32) frames 9 loop 0 duration 120"), "\(line)")
    }
}

/// A GIF decoder for the tests (after giflib's): palette, frames as palette indices, delays
/// and the NETSCAPE loop count.
struct GIFDecoder {
    var width = 0, height = 0, loopCount: Int?
    var palette: [UInt8] = []
    var frames: [[UInt8]] = []
    var delays: [Int] = []

    struct Failure: Error { let reason: String }

    init(_ data: [UInt8]) throws {
        var p = 0
        func byte() throws -> Int { guard p < data.count else { throw Failure(reason: "ends early") }; p += 1; return Int(data[p - 1]) }
        func word() throws -> Int { try byte() | (try byte() << 8) }
        func blocks() throws -> [UInt8] {
            var out: [UInt8] = []
            while true {
                let n = try byte()
                if n == 0 { return out }
                guard p + n <= data.count else { throw Failure(reason: "sub-block ends early") }
                out += data[p..<(p + n)]; p += n
            }
        }
        guard data.count > 13, String(decoding: data[0..<6], as: UTF8.self) == "GIF89a" else { throw Failure(reason: "header") }
        p = 6
        width = try word(); height = try word()
        let flags = try byte(); _ = try byte(); _ = try byte()
        if flags & 0x80 != 0 { let n = 3 << ((flags & 7) + 1); palette = Array(data[p..<(p + n)]); p += n }
        loop: while true {
            switch try byte() {
            case 0x21:
                let label = try byte()
                let body = try blocks()
                if label == 0xF9 { delays.append(Int(body[1]) | Int(body[2]) << 8) }
                if label == 0xFF, body.count >= 14, String(decoding: body[0..<11], as: UTF8.self) == "NETSCAPE2.0" {
                    loopCount = Int(body[12]) | Int(body[13]) << 8
                }
            case 0x2C:
                _ = try word(); _ = try word()
                let w = try word(), h = try word()
                guard try byte() == 0 else { throw Failure(reason: "local palette or interlace not expected") }
                let minimum = try byte()
                frames.append(try Self.lzwDecode(blocks(), minimumCodeSize: minimum, count: w * h))
            case 0x3B: break loop
            case let other: throw Failure(reason: "unexpected block \(other)")
            }
        }
    }

    static func lzwDecode(_ data: [UInt8], minimumCodeSize: Int, count: Int) throws -> [UInt8] {
        let clear = 1 << minimumCodeSize, end = clear + 1
        var prefix = [Int](repeating: 0, count: 4096), suffix = [UInt8](repeating: 0, count: 4096)
        var out: [UInt8] = []
        var bits = 0, buffer = 0, position = 0
        var size = minimumCodeSize + 1, next = end + 1
        var previous = -1
        func expand(_ code: Int) -> [UInt8] {
            var s: [UInt8] = [], c = code
            while c > end { s.append(suffix[c]); c = prefix[c] }
            s.append(UInt8(c))
            return s.reversed()
        }
        while true {
            while bits < size {
                guard position < data.count else { throw Failure(reason: "LZW data ends without an end code") }
                buffer |= Int(data[position]) << bits; position += 1; bits += 8
            }
            let code = buffer & ((1 << size) - 1)
            buffer >>= size; bits -= size
            if code == clear { size = minimumCodeSize + 1; next = end + 1; previous = -1; continue }
            if code == end { break }
            let string: [UInt8]
            if previous < 0 {
                guard code < clear else { throw Failure(reason: "first code \(code) not a literal") }
                string = [UInt8(code)]
            } else {
                if code < next {
                    string = expand(code)
                } else if code == next {
                    let p = expand(previous); string = p + [p[0]]
                } else {
                    throw Failure(reason: "code \(code) beyond the table (\(next))")
                }
                if next < 4096 { prefix[next] = previous; suffix[next] = string[0]; next += 1 }
            }
            out += string
            previous = code
            if next >= (1 << size) && size < 12 { size += 1 }
        }
        guard out.count == count else { throw Failure(reason: "\(out.count) pixels decoded, expected \(count)") }
        return out
    }
}
