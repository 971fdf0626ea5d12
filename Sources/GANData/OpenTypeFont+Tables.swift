// Parsing of the tables OpenTypeFont uses, each following the OpenType 1.9 specification
// (https://learn.microsoft.com/typography/opentype/spec/): offsets are big-endian and
// relative to the structure named beside each read.
extension OpenTypeFont {
    /// The table records: tag → place, each checked to lie inside the file.
    static func tableDirectory(_ bytes: FontBytes) throws -> [String: FontBytes.Table] {
        let what = "table directory"
        guard bytes.bytes.count >= 12 else {
            throw DataError(.malformed, path: bytes.path, """
                expected an OpenType font (a 12-byte header then table records), found \(bytes.bytes.count) bytes
                """)
        }
        let version = try bytes.u32(0, in: what)
        guard version == 0x0001_0000 || version == 0x7472_7565 /* 'true' */ || version == 0x4F54_544F /* 'OTTO' */ else {
            throw DataError(.malformed, path: bytes.path, """
                expected an OpenType font (sfnt version 0x00010000, 'true' or 'OTTO'), \
                found 0x\(String(version, radix: 16, uppercase: true))
                """)
        }
        let count = try bytes.u16(4, in: what)
        var tables: [String: FontBytes.Table] = [:]
        for i in 0..<count {
            let record = 12 + 16 * i
            let tag = try bytes.tag(record, in: what)
            let table = FontBytes.Table(tag: tag, start: try bytes.u32(record + 8, in: what),
                                        length: try bytes.u32(record + 12, in: what))
            try bytes.check(table.start, table.length, in: "'\(tag)' table")
            tables[tag] = table
        }
        return tables
    }

    // MARK: cmap

    /// The Unicode character map: a format 12 subtable (full Unicode) when there is one,
    /// else a format 4 (Basic Multilingual Plane).
    static func readCharacterMap(_ bytes: FontBytes, table: FontBytes.Table) throws -> [UInt32: Int] {
        let what = "cmap"
        let count = try bytes.u16(table.start + 2, in: what)
        var format12: Int?, format4: Int?
        for i in 0..<count {
            let record = table.start + 4 + 8 * i
            let platform = try bytes.u16(record, in: what), encoding = try bytes.u16(record + 2, in: what)
            let subtable = table.start + (try bytes.u32(record + 4, in: what))
            let isUnicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
            guard isUnicode else { continue }
            switch try bytes.u16(subtable, in: what) {
            case 12: format12 = format12 ?? subtable
            case 4: format4 = format4 ?? subtable
            default: continue
            }
        }
        var map: [UInt32: Int] = [:]
        if let start = format12 {
            let what = "cmap format 12"
            let groups = try bytes.u32(start + 12, in: what)
            for g in 0..<groups {
                let group = start + 16 + 12 * g
                let first = try bytes.u32(group, in: what), last = try bytes.u32(group + 4, in: what)
                let glyph = try bytes.u32(group + 8, in: what)
                guard first <= last, last <= 0x10FFFF else {
                    throw DataError(.malformed, path: bytes.path,
                                    "\(what): expected a code point range within Unicode, found \(first)...\(last)")
                }
                for (k, scalar) in (first...last).enumerated() { map[UInt32(scalar)] = glyph + k }
            }
        } else if let start = format4 {
            let what = "cmap format 4"
            let segments = try bytes.u16(start + 6, in: what) / 2
            let ends = start + 14, starts = ends + 2 * segments + 2
            let deltas = starts + 2 * segments, rangeOffsets = deltas + 2 * segments
            for s in 0..<segments {
                let end = try bytes.u16(ends + 2 * s, in: what), first = try bytes.u16(starts + 2 * s, in: what)
                let delta = try bytes.u16(deltas + 2 * s, in: what)
                let rangeOffset = try bytes.u16(rangeOffsets + 2 * s, in: what)
                guard first <= end, first != 0xFFFF else { continue }
                for scalar in first...end {
                    var glyph: Int
                    if rangeOffset == 0 {
                        glyph = (scalar + delta) & 0xFFFF
                    } else {
                        // idRangeOffset counts from its own slot to the glyph id array entry.
                        glyph = try bytes.u16(rangeOffsets + 2 * s + rangeOffset + 2 * (scalar - first), in: what)
                        if glyph != 0 { glyph = (glyph + delta) & 0xFFFF }
                    }
                    if glyph != 0 { map[UInt32(scalar)] = glyph }
                }
            }
        } else {
            throw DataError(.unsupported, path: bytes.path,
                            "cmap: expected a Unicode subtable of format 12 or 4, found none")
        }
        return map
    }

    // MARK: CBLC / CBDT

    /// The largest strike's pixels per em and where each of its glyphs' images lies.
    static func readBitmapLocations(
        _ bytes: FontBytes, index: FontBytes.Table, data: FontBytes.Table
    ) throws -> (Int, [Int: BitmapLocation]) {
        let what = "CBLC"
        let sizes = try bytes.u32(index.start + 4, in: what)
        guard sizes > 0 else {
            throw DataError(.malformed, path: bytes.path, "CBLC: expected at least one bitmap strike, found none")
        }
        // BitmapSize records are 48 bytes; ppemY is at byte 45.
        var best = index.start + 8, bestPPEM = -1
        for i in 0..<sizes {
            let record = index.start + 8 + 48 * i
            let ppem = try bytes.u8(record + 45, in: what)
            if ppem > bestPPEM { (best, bestPPEM) = (record, ppem) }
        }
        let arrayStart = index.start + (try bytes.u32(best, in: what))
        let subtableCount = try bytes.u32(best + 8, in: what)
        var locations: [Int: BitmapLocation] = [:]
        for i in 0..<subtableCount {
            let entry = arrayStart + 8 * i
            let firstGlyph = try bytes.u16(entry, in: what), lastGlyph = try bytes.u16(entry + 2, in: what)
            let subtable = arrayStart + (try bytes.u32(entry + 4, in: what))
            let indexFormat = try bytes.u16(subtable, in: what)
            let imageFormat = try bytes.u16(subtable + 2, in: what)
            let imageData = data.start + (try bytes.u32(subtable + 4, in: what))
            let what = "CBLC index subtable format \(indexFormat)"
            guard firstGlyph <= lastGlyph else {
                throw DataError(.malformed, path: bytes.path, "\(what): glyph range \(firstGlyph)...\(lastGlyph) is reversed")
            }
            func add(_ glyph: Int, _ start: Int, _ end: Int) throws {
                guard end > start else { return }  // no image for this glyph
                try bytes.check(start, end - start, in: "CBDT glyph \(glyph)")
                locations[glyph] = BitmapLocation(imageFormat: imageFormat, offset: start, length: end - start)
            }
            switch indexFormat {
            case 1, 3:
                // Offsets (32-bit for 1, 16-bit for 3) for each glyph and one past the last.
                let read: (Int) throws -> Int = indexFormat == 1
                    ? { try bytes.u32(subtable + 8 + 4 * $0, in: what) }
                    : { try bytes.u16(subtable + 8 + 2 * $0, in: what) }
                for k in 0...(lastGlyph - firstGlyph) {
                    try add(firstGlyph + k, imageData + read(k), imageData + read(k + 1))
                }
            case 2:
                let size = try bytes.u32(subtable + 8, in: what)
                for k in 0...(lastGlyph - firstGlyph) {
                    try add(firstGlyph + k, imageData + k * size, imageData + (k + 1) * size)
                }
            case 4:
                let count = try bytes.u32(subtable + 8, in: what)
                for k in 0..<count {
                    let pair = subtable + 12 + 4 * k
                    try add(try bytes.u16(pair, in: what), imageData + (try bytes.u16(pair + 2, in: what)),
                            imageData + (try bytes.u16(pair + 6, in: what)))
                }
            case 5:
                let size = try bytes.u32(subtable + 8, in: what)
                let count = try bytes.u32(subtable + 20, in: what)
                for k in 0..<count {
                    try add(try bytes.u16(subtable + 24 + 2 * k, in: what), imageData + k * size, imageData + (k + 1) * size)
                }
            default:
                throw DataError(.unsupported, path: bytes.path, "CBLC: expected index subtable format 1 to 5, found \(indexFormat)")
            }
        }
        return (bestPPEM, locations)
    }

    // MARK: GSUB

    /// Every ligature lookup (type 4, or type 7 wrapping type 4) in lookup-list order; other
    /// lookup types are skipped (Noto's are fallbacks for invalid flag sequences).
    static func readLigatureLookups(_ bytes: FontBytes, table: FontBytes.Table) throws -> [[Int: [Ligature]]] {
        let what = "GSUB"
        let list = table.start + (try bytes.u16(table.start + 8, in: what))
        let count = try bytes.u16(list, in: what)
        var lookups: [[Int: [Ligature]]] = []
        for i in 0..<count {
            let lookup = list + (try bytes.u16(list + 2 + 2 * i, in: what))
            var type = try bytes.u16(lookup, in: what)
            let subtableCount = try bytes.u16(lookup + 4, in: what)
            var ligatures: [Int: [Ligature]] = [:]
            for s in 0..<subtableCount {
                var subtable = lookup + (try bytes.u16(lookup + 6 + 2 * s, in: what))
                if type == 7 {
                    // Extension: the real type and a 32-bit offset from this subtable.
                    let inner = try bytes.u16(subtable + 2, in: "GSUB extension lookup")
                    guard inner != 7 else {
                        throw DataError(.malformed, path: bytes.path, "GSUB lookup \(i): an extension lookup may not wrap another")
                    }
                    if s == 0 { type = inner }
                    subtable += try bytes.u32(subtable + 4, in: "GSUB extension lookup")
                }
                guard type == 4 else { continue }
                try readLigatureSubtable(bytes, at: subtable, into: &ligatures)
            }
            if type == 4 { lookups.append(ligatures) }
        }
        return lookups
    }

    /// One ligature substitution subtable: coverage glyph k → ligature set k.
    static func readLigatureSubtable(_ bytes: FontBytes, at subtable: Int, into ligatures: inout [Int: [Ligature]]) throws {
        let what = "GSUB ligature subtable"
        let coverage = try readCoverage(bytes, at: subtable + (try bytes.u16(subtable + 2, in: what)))
        let setCount = try bytes.u16(subtable + 4, in: what)
        guard setCount == coverage.count else {
            throw DataError(.malformed, path: bytes.path,
                            "\(what): expected one ligature set per covered glyph (\(coverage.count)), found \(setCount)")
        }
        for (k, first) in coverage.enumerated() {
            let set = subtable + (try bytes.u16(subtable + 6 + 2 * k, in: what))
            for l in 0..<(try bytes.u16(set, in: what)) {
                let ligature = set + (try bytes.u16(set + 2 + 2 * l, in: what))
                let glyph = try bytes.u16(ligature, in: what)
                let components = try bytes.u16(ligature + 2, in: what)
                guard components >= 1 else {
                    throw DataError(.malformed, path: bytes.path, "\(what): ligature with no components")
                }
                let rest = try (0..<(components - 1)).map { try bytes.u16(ligature + 4 + 2 * $0, in: what) }
                ligatures[first, default: []].append(Ligature(components: rest, glyph: glyph))
            }
        }
    }

    /// The glyphs a coverage table lists, in coverage-index order (formats 1 and 2).
    static func readCoverage(_ bytes: FontBytes, at start: Int) throws -> [Int] {
        let what = "GSUB coverage"
        let format = try bytes.u16(start, in: what), count = try bytes.u16(start + 2, in: what)
        switch format {
        case 1:
            return try (0..<count).map { try bytes.u16(start + 4 + 2 * $0, in: what) }
        case 2:
            var glyphs: [Int] = []
            for r in 0..<count {
                let record = start + 4 + 6 * r
                let first = try bytes.u16(record, in: what), last = try bytes.u16(record + 2, in: what)
                let index = try bytes.u16(record + 4, in: what)
                guard first <= last, index == glyphs.count else {
                    throw DataError(.malformed, path: bytes.path,
                                    "\(what): range \(first)...\(last) starts at coverage index \(index), expected \(glyphs.count)")
                }
                glyphs += first...last
            }
            return glyphs
        default:
            throw DataError(.malformed, path: bytes.path, "\(what): expected format 1 or 2, found \(format)")
        }
    }
}
