/// The parts of an OpenType font that colour emoji need: the character map (`cmap`
/// formats 12 and 4), the colour bitmaps (`CBLC`/`CBDT`, PNG image formats 17–19, largest
/// strike) and ligature substitutions (`GSUB` lookup type 4, also inside extension lookups
/// type 7), which turn sequences — skin tones, ZWJ sequences, flags, keycaps — into one glyph.
///
/// Every offset is checked against the file: a truncated or corrupt font throws a
/// `DataError` naming the file and the table, it never crashes.
///
/// ```swift
/// let font = try OpenTypeFont(contentsOf: "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
/// let thumbsUp = font.glyph(forSequence: [0x1F44D, 0x1F3FC])   // medium-light skin tone
/// let png = try font.pngData(forGlyph: thumbsUp!)                // 136×128 at 109 ppem
/// ```
public struct OpenTypeFont: Sendable {
    /// Where a glyph's PNG lies in `CBDT`.
    struct BitmapLocation: Sendable {
        /// CBDT image format (17, 18 or 19).
        var imageFormat: Int
        /// Offset of the glyph's record in the file (not in CBDT).
        var offset: Int
        /// Bytes of the record.
        var length: Int
    }

    /// One ligature: the glyphs after the first, and the glyph they become.
    struct Ligature: Sendable {
        var components: [Int]
        var glyph: Int
    }

    /// The file the font was read from; errors name it.
    public let path: String
    /// Pixels per em of the strike whose bitmaps are used (the largest).
    public let pixelsPerEm: Int
    /// Number of glyphs (`maxp`).
    public let glyphCount: Int

    let bytes: FontBytes
    /// Unicode scalar → glyph.
    let characterMap: [UInt32: Int]
    /// Glyph → bitmap in the largest strike.
    let bitmaps: [Int: BitmapLocation]
    /// Ligature lookups in lookup-list order: first glyph → its ligatures, longest-first as listed.
    let ligatureLookups: [[Int: [Ligature]]]

    /// Reads and indexes the font at `path`.
    ///
    /// - Throws: `.notFound`; `.malformed` naming the file and the table for a truncated or
    ///   corrupt font; `.unsupported` for a font without colour bitmaps (CBLC/CBDT).
    public init(contentsOf path: String) throws {
        try self.init(bytes: FileIO.readBytes(path), path: path)
    }

    /// Indexes a font held in memory; `path` is what errors name.
    public init(bytes data: [UInt8], path: String) throws {
        let bytes = FontBytes(bytes: data, path: path)
        let tables = try OpenTypeFont.tableDirectory(bytes)
        func table(_ tag: String) throws -> FontBytes.Table {
            guard let found = tables[tag] else {
                throw DataError(.unsupported, path: path, """
                    expected a colour bitmap font with a '\(tag)' table (such as Noto Color Emoji), \
                    found tables \(tables.keys.sorted().joined(separator: ", "))
                    """)
            }
            return found
        }
        self.path = path
        self.bytes = bytes
        glyphCount = try bytes.u16(table("maxp").start + 4, in: "maxp")
        characterMap = try OpenTypeFont.readCharacterMap(bytes, table: table("cmap"))
        (pixelsPerEm, bitmaps) = try OpenTypeFont.readBitmapLocations(bytes, index: table("CBLC"), data: table("CBDT"))
        ligatureLookups = try tables["GSUB"].map { try OpenTypeFont.readLigatureLookups(bytes, table: $0) } ?? []
    }

    // MARK: Looking up glyphs

    /// The glyph the character map gives `scalar`, or nil.
    public func glyph(for scalar: UInt32) -> Int? { characterMap[scalar] }

    /// The single glyph a code point sequence becomes, as a shaper would form it: each code
    /// point through the character map, then every ligature lookup applied in order. U+FE0F
    /// (emoji presentation) is dropped when the font does not map it, as Noto Color Emoji
    /// does not: its ligatures are written without it.
    ///
    /// - Returns: nil when a code point has no glyph or the sequence does not end as one glyph.
    public func glyph(forSequence scalars: [UInt32]) -> Int? {
        let kept = scalars.filter { $0 != 0xFE0F || characterMap[$0] != nil }
        var glyphs: [Int] = []
        for scalar in kept {
            guard let glyph = characterMap[scalar] else { return nil }
            glyphs.append(glyph)
        }
        for lookup in ligatureLookups where glyphs.count > 1 {
            glyphs = OpenTypeFont.applyLigatures(lookup, to: glyphs)
        }
        return glyphs.count == 1 ? glyphs[0] : nil
    }

    /// Whether the largest strike has a bitmap for `glyph`.
    public func hasBitmap(forGlyph glyph: Int) -> Bool { bitmaps[glyph] != nil }

    /// The PNG bytes of `glyph` in the largest strike, or nil when it has no bitmap there.
    ///
    /// - Throws: `.malformed` when the record points outside the file; `.unsupported` for an
    ///   image format other than the PNG ones (17, 18, 19).
    public func pngData(forGlyph glyph: Int) throws -> [UInt8]? {
        guard let location = bitmaps[glyph] else { return nil }
        let what = "CBDT glyph \(glyph)"
        let header: Int
        switch location.imageFormat {
        case 17: header = 5   // small glyph metrics
        case 18: header = 8   // big glyph metrics
        case 19: header = 0   // metrics in CBLC
        default:
            throw DataError(.unsupported, path: path,
                            "\(what): expected a PNG image format (17, 18 or 19), found format \(location.imageFormat)")
        }
        let length = try bytes.u32(location.offset + header, in: what)
        guard header + 4 + length <= location.length else {
            throw DataError(.malformed, path: path,
                            "\(what): PNG of \(length) bytes does not fit its \(location.length)-byte record")
        }
        return try bytes.slice(location.offset + header + 4, count: length, in: what)
    }

    /// The glyph decoded, transparency composited onto white.
    public func bitmap(forGlyph glyph: Int) throws -> Bitmap? {
        guard let png = try pngData(forGlyph: glyph) else { return nil }
        return try Bitmap(pngData: png, source: "\(path) (glyph \(glyph))")
    }

    // MARK: Ligatures

    /// One ligature lookup applied left to right: at each position the first ligature whose
    /// components follow replaces them, as a shaper does.
    static func applyLigatures(_ lookup: [Int: [Ligature]], to glyphs: [Int]) -> [Int] {
        var out: [Int] = []
        var i = 0
        while i < glyphs.count {
            let match = lookup[glyphs[i]]?.first { ligature in
                let end = i + 1 + ligature.components.count
                return end <= glyphs.count && Array(glyphs[(i + 1)..<end]) == ligature.components
            }
            if let match {
                out.append(match.glyph)
                i += 1 + match.components.count
            } else {
                out.append(glyphs[i])
                i += 1
            }
        }
        return out
    }
}

/// A font's bytes with big-endian reads that throw, naming the file and table, instead of
/// reading past the end.
struct FontBytes: Sendable {
    /// A table's place in the file.
    struct Table: Sendable {
        var tag: String
        var start: Int
        var length: Int
    }

    let bytes: [UInt8]
    let path: String

    func check(_ offset: Int, _ count: Int, in what: String) throws {
        guard offset >= 0, count >= 0, offset <= bytes.count - count else {
            throw DataError(.malformed, path: path, """
                \(what): expected \(count) bytes at offset \(offset), but the file has \(bytes.count) \
                (truncated or corrupt font)
                """)
        }
    }

    func u8(_ offset: Int, in what: String) throws -> Int {
        try check(offset, 1, in: what)
        return Int(bytes[offset])
    }

    func u16(_ offset: Int, in what: String) throws -> Int {
        try check(offset, 2, in: what)
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    func u32(_ offset: Int, in what: String) throws -> Int {
        try check(offset, 4, in: what)
        return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    func slice(_ offset: Int, count: Int, in what: String) throws -> [UInt8] {
        try check(offset, count, in: what)
        return Array(bytes[offset..<(offset + count)])
    }

    func tag(_ offset: Int, in what: String) throws -> String {
        String(decoding: try slice(offset, count: 4, in: what), as: UTF8.self)
    }
}
