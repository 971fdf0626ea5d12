import Foundation
import Testing
@testable import GANData

/// The installed Noto Color Emoji and emoji-test.txt, or nil (with a note) when they are not
/// installed. Under CI (`CI=true`) a missing file fails the test instead: `.ci/run` installs both.
private func installedEmojiFiles(sourceLocation: SourceLocation = #_sourceLocation) throws -> (OpenTypeFont, [EmojiTestEntry])? {
    let paths = [EmojiSet.debianFontPath, EmojiTest.debianPath]
    if let missing = paths.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("\(missing) is missing under CI (apt-get install fonts-noto-color-emoji unicode-data)",
                         sourceLocation: sourceLocation)
        } else {
            print("\(missing) not installed (apt-get install fonts-noto-color-emoji unicode-data): emoji check skipped")
        }
        return nil
    }
    return (try OpenTypeFont(contentsOf: paths[0]), try EmojiTest.read(paths[1]))
}

@Suite struct EmojiFontTests {
    @Test func singleCodePointGivesThePNGOfTheLargestStrike() throws {
        guard let (font, _) = try installedEmojiFiles() else { return }
        // Noto Color Emoji has one strike: 109 ppem, bitmaps 136×128.
        #expect(font.pixelsPerEm == 109)
        let grinning = try #require(font.glyph(for: 0x1F600))
        let png = try #require(try font.pngData(forGlyph: grinning))
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        let image = try #require(try font.bitmap(forGlyph: grinning))
        #expect(image.width == 136 && image.height == 128 && image.channels == 3)
        // Transparent corners come out white; the face is yellow (red and green high, blue low).
        #expect(Array(image.pixels.prefix(3)) == [255, 255, 255])
        let centre = (64 * 136 + 68) * 3
        let (r, g, b) = (image.pixels[centre], image.pixels[centre + 1], image.pixels[centre + 2])
        #expect(r > 200 && g > 150 && b < 100, "centre of 😀 is \(r), \(g), \(b)")
    }

    @Test func sequencesResolveThroughLigatures() throws {
        guard let (font, _) = try installedEmojiFiles() else { return }
        let thumbsUp = try #require(font.glyph(for: 0x1F44D))
        let mediumLight = try #require(font.glyph(forSequence: [0x1F44D, 0x1F3FC]))
        let dark = try #require(font.glyph(forSequence: [0x1F44D, 0x1F3FF]))
        #expect(Set([thumbsUp, mediumLight, dark]).count == 3)
        #expect(try font.bitmap(forGlyph: mediumLight) != font.bitmap(forGlyph: dark))
        // ZWJ (woman technologist), ZWJ with U+FE0F (heart on fire), a flag, a keycap, a tag flag.
        for sequence: [UInt32] in [[0x1F469, 0x200D, 0x1F4BB], [0x2764, 0xFE0F, 0x200D, 0x1F525], [0x1F1EB, 0x1F1F7],
                                   [0x23, 0xFE0F, 0x20E3],
                                   [0x1F3F4, 0xE0067, 0xE0062, 0xE0065, 0xE006E, 0xE0067, 0xE007F]] {
            let glyph = try #require(font.glyph(forSequence: sequence), "\(sequence.map { String($0, radix: 16) })")
            #expect(font.hasBitmap(forGlyph: glyph))
            #expect(!sequence.compactMap(font.glyph(for:)).contains(glyph))
        }
        // A sequence the font does not join is not one glyph.
        #expect(font.glyph(forSequence: [0x1F600, 0x1F600]) == nil)
    }

    @Test func wholeSetWritesPairedToneFolders() throws {
        guard let (font, entries) = try installedEmojiFiles() else { return }
        let set = EmojiSet(font: font, entries: entries)
        let counts = Dictionary(grouping: set.items, by: \.folder).mapValues(\.count)
        #expect(counts["smileys-emotion", default: 0] > 100)
        #expect(counts["people-body", default: 0] > 100 && counts["flags", default: 0] > 200)
        let toneCounts = SkinTone.allCases.map { counts[$0.rawValue, default: 0] }
        #expect(toneCounts[0] > 200 && Set(toneCounts).count == 1, "\(toneCounts)")
        #expect(set.skipped.allSatisfy { $0.reason == "two different skin tones" }, "\(set.skipped.prefix(3))")
        #expect(Set(set.items.map(\.file)).count == set.items.count)

        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let written = try set.write(to: dir.path, size: 16)
        #expect(written == counts)
        let pairs = try EmojiSet.pairs(in: dir.path, from: .mediumLight, to: .dark)
        #expect(pairs.count == counts["medium-light"])
        let light = try DataSpec(parsing: "folder:\(dir.path)@medium-light").load()
        let darkSet = try DataSpec(parsing: "folder:\(dir.path)@dark").load()
        let smileys = try DataSpec(parsing: "folder:\(dir.path)@smileys-emotion").load()
        #expect(light.count == pairs.count && darkSet.count == pairs.count && smileys.count == counts["smileys-emotion"])
        #expect(light.sampleShape == [3, 16, 16])
        // Image i of one tone folder is image i of the other: the pairs come in both folders' order.
        let darkFiles = try ImageFolder.imageFiles(in: dir.path).filter { $0.className == "dark" }.map(\.path)
        #expect(pairs.map(\.target) == darkFiles)
        #expect(light.bitmap(at: 0) == (try Bitmap(contentsOf: pairs[0].source)))
        #expect(darkSet.bitmap(at: 0) == (try Bitmap(contentsOf: pairs[0].target)))

        let csv = String(decoding: try FileIO.readBytes(dir.file("index.csv")), as: UTF8.self)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "file,group,subgroup,name,codepoints,tone,base")
        #expect(lines.count == set.items.count + 1)
        #expect(lines.contains("medium-light/1f44d-1f3fc.png,people-body,hand-fingers-closed,thumbs up: medium-light skin tone,1F44D 1F3FC,medium-light,1f44d"))
        #expect(lines.contains("people-body/1f468-200d-1f469-200d-1f466.png,people-body,family,\"family: man, woman, boy\",1F468 200D 1F469 200D 1F466,,1f468-200d-1f469-200d-1f466"))
    }

    @Test func truncatedOrForeignFontsThrowNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        try FileIO.writeBytes(Array("not a font at all, just text".utf8), to: dir.file("text.ttf"))
        expectError(dataError { try OpenTypeFont(contentsOf: dir.file("text.ttf")) }, .malformed,
                    mentions: ["text.ttf", "expected an OpenType font"])
        // A header promising 3 tables, cut after the first record.
        var header: [UInt8] = [0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]
        header += Array("maxp".utf8) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6]
        try FileIO.writeBytes(header, to: dir.file("cut.ttf"))
        expectError(dataError { try OpenTypeFont(contentsOf: dir.file("cut.ttf")) }, .malformed,
                    mentions: ["cut.ttf", "table directory", "truncated"])
        // A well-formed font without colour bitmaps.
        let plain: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] + Array("maxp".utf8) + [0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 6]
            + [0, 0, 0x50, 0, 0, 7]
        try FileIO.writeBytes(plain, to: dir.file("plain.ttf"))
        expectError(dataError { try OpenTypeFont(contentsOf: dir.file("plain.ttf")) }, .unsupported,
                    mentions: ["plain.ttf", "colour bitmap font", "maxp"])
        expectError(dataError { try OpenTypeFont(contentsOf: dir.file("absent.ttf")) }, .notFound, mentions: ["absent.ttf"])

        guard let (font, _) = try installedEmojiFiles() else { return }
        for length in [5_000, font.bytes.bytes.count / 2, font.bytes.bytes.count - 8] {
            try FileIO.writeBytes(Array(font.bytes.bytes.prefix(length)), to: dir.file("short.ttf"))
            expectError(dataError { try OpenTypeFont(contentsOf: dir.file("short.ttf")) }, .malformed,
                        mentions: ["short.ttf", "truncated"])
        }
        // A glyph record whose PNG length runs past its record.
        let grinning = try #require(font.glyph(for: 0x1F600))
        let location = try #require(font.bitmaps[grinning])
        var corrupt = font.bytes.bytes
        corrupt[location.offset + 5] = 0x7F  // the high byte of the 32-bit PNG length (format 17)
        let broken = try OpenTypeFont(bytes: corrupt, path: "corrupt.ttf")
        expectError(dataError { try broken.pngData(forGlyph: grinning) }, .malformed, mentions: ["corrupt.ttf", "CBDT glyph"])
    }
}

@Suite struct EmojiNamingTests {
    @Test func emojiTestLinesParse() throws {
        let text = """
            # comment
            # group: People & Body

            # subgroup: family
            1F468 200D 1F469 200D 1F466 ; fully-qualified # 👨‍👩‍👦 E2.0 family: man, woman, boy
            263A ; unqualified # ☺ E0.6 smiling face
            """
        let entries = try EmojiTest.parse(text, path: "t.txt")
        #expect(entries.count == 2)
        #expect(entries[0] == EmojiTestEntry(codePoints: [0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F466], status: "fully-qualified",
                                             name: "family: man, woman, boy", group: "People & Body", subgroup: "family"))
        #expect(entries[1].status == "unqualified" && entries[1].name == "smiling face")
        expectError(dataError { try EmojiTest.parse("# group: X\n1F6ZZ ; fully-qualified # ? E1.0 bad\n", path: "t.txt") },
                    .malformed, mentions: ["t.txt", "line 2"])
        expectError(dataError { try EmojiTest.parse("# nothing\n", path: "t.txt") }, .empty, mentions: ["t.txt"])
    }

    @Test func namesAndCounterparts() {
        #expect(EmojiSet.slug("Smileys & Emotion") == "smileys-emotion" && EmojiSet.slug("Food & Drink") == "food-drink")
        #expect(EmojiSet.fileName(for: [0x2764, 0xFE0F, 0x200D, 0x1F525]) == "2764-200d-1f525")
        #expect(EmojiSet.counterpart(of: "1f44d-1f3fc.png", tone: .dark) == "1f44d-1f3ff.png")
        #expect(EmojiSet.counterpart(of: "/d/medium-light/1f9d1-1f3fc-200d-1f91d-200d-1f9d1-1f3fc.png", tone: .light)
                == "/d/medium-light/1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3fb.png")
        #expect(EmojiSet.counterpart(of: "1f44d.png", tone: .dark) == nil)
        #expect(EmojiSet.counterpart(of: "1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3ff.png", tone: .dark) == nil)
        #expect(EmojiSet.baseName(of: "1f44d-1f3fc.png") == "1f44d")
        #expect(SkinTone(modifier: 0x1F3FD) == .medium && SkinTone.mediumDark.modifier == 0x1F3FE)
        #expect(SkinTone(modifier: 0x1F3FA) == nil)
    }
}

@Suite struct PNGAlphaTests {
    /// A PNG of 8-bit pixels with `colourType` 6 (RGBA) or 4 (grey + alpha), written by hand
    /// (stored deflate blocks), so the test does not depend on our writer or on Pillow.
    private func handMadePNG(width: Int, height: Int, colourType: UInt8, pixels: [UInt8]) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func crc32(_ bytes: [UInt8]) -> Int {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return Int(~crc)
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(data.count) + body + be32(crc32(body))
        }
        let stride = pixels.count / height
        var raw: [UInt8] = []
        for y in 0..<height { raw += [0] + pixels[(y * stride)..<((y + 1) * stride)] }  // filter 0 per row
        var a = 1, b = 0
        for byte in raw { a = (a + Int(byte)) % 65521; b = (b + a) % 65521 }
        let n = raw.count
        let zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
            + raw + be32(b << 16 | a)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be32(width) + be32(height) + [8, colourType, 0, 0, 0])
            + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    @Test func transparencyIsCompositedOntoWhite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        // Opaque red, transparent black, half-transparent blue, opaque green.
        let rgba: [UInt8] = [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 128, 0, 255, 0, 255]
        let png = handMadePNG(width: 2, height: 2, colourType: 6, pixels: rgba)
        try FileIO.writeBytes(png, to: dir.file("rgba.png"))
        let expected: [UInt8] = [255, 0, 0, 255, 255, 255, 127, 127, 255, 0, 255, 0]
        #expect(try Bitmap(contentsOf: dir.file("rgba.png")) == Bitmap(width: 2, height: 2, channels: 3, pixels: expected))
        #expect(try Bitmap(pngData: png, source: "memory") == Bitmap(width: 2, height: 2, channels: 3, pixels: expected))
        // Grey + alpha: black at alpha 0, 64 and 255.
        let greyAlpha = handMadePNG(width: 3, height: 1, colourType: 4, pixels: [0, 0, 0, 64, 0, 255])
        #expect(try Bitmap(pngData: greyAlpha, source: "memory").pixels == [255, 191, 0])
        // Cut short in memory: an error naming the source, not a crash.
        expectError(dataError { try Bitmap(pngData: Array(png.prefix(40)), source: "cut bytes") }, .malformed,
                    mentions: ["cut bytes", "PNG"])
    }

    @Test func paddingToSquareCentresOnWhite() {
        let image = Bitmap(width: 3, height: 1, channels: 1, pixels: [10, 20, 30])
        #expect(image.paddedToSquare() == Bitmap(width: 3, height: 3, channels: 1,
                                                 pixels: [255, 255, 255, 10, 20, 30, 255, 255, 255]))
        let tall = Bitmap(width: 1, height: 2, channels: 1, pixels: [1, 2])
        #expect(tall.paddedToSquare(fill: 0) == Bitmap(width: 2, height: 2, channels: 1, pixels: [1, 0, 2, 0]))
    }
}
