import Dispatch
import Foundation

/// The five skin-tone modifiers (U+1F3FB–1F3FF), named as the tone folders are.
public enum SkinTone: String, CaseIterable, Codable, Sendable {
    case light
    case mediumLight = "medium-light"
    case medium
    case mediumDark = "medium-dark"
    case dark

    /// The modifier's code point: U+1F3FB for light ... U+1F3FF for dark.
    public var modifier: UInt32 { 0x1F3FB + UInt32(SkinTone.allCases.firstIndex(of: self)!) }

    /// The tone of a modifier code point, or nil for any other code point.
    public init?(modifier: UInt32) {
        guard (0x1F3FB...0x1F3FF).contains(modifier) else { return nil }
        self = SkinTone.allCases[Int(modifier - 0x1F3FB)]
    }
}

/// Every emoji of `emoji-test.txt` that a colour emoji font draws, sorted into the folders
/// of a `folder:DIR` data set: one per group (`smileys-emotion`, `people-body`, ...) for
/// emoji without a skin tone, one per tone (`light` ... `dark`) for emoji that carry one.
///
/// Files are named by their code points, lower-case hex joined by `-`, U+FE0F left out:
/// `medium-light/1f44d-1f3fc.png`. The same emoji in another tone has the same name with the
/// other modifier (`dark/1f44d-1f3ff.png`), so `counterpart(of:tone:)` and `pairs(in:from:to:)`
/// find CycleGAN's true translation. Sequences with two different tones (couples, handshakes)
/// are skipped; a sequence with one tone used twice counts as that tone. The entries with
/// status `component` (the bare tone swatches, hair styles) go to `component`.
///
/// ```swift
/// let set = try EmojiSet(font: OpenTypeFont(contentsOf: fontPath), entries: EmojiTest.read(testPath))
/// let counts = try set.write(to: "/tmp/emoji64", size: 64)   // ["dark": 305, "flags": 269, ...]
/// let dark = try DataSpec(parsing: "folder:/tmp/emoji64@dark").load()
/// ```
public struct EmojiSet: Sendable {
    /// Where Debian's `fonts-noto-color-emoji` puts the font.
    public static let debianFontPath = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"

    /// One emoji to write.
    public struct Item: Sendable {
        /// Its line of `emoji-test.txt`.
        public var entry: EmojiTestEntry
        /// The group folder (slugified group) or the tone folder.
        public var folder: String
        /// `1f44d-1f3fc.png`.
        public var fileName: String
        /// The tone it carries, when it has one.
        public var tone: SkinTone?
        /// Its glyph in the font.
        public var glyph: Int
        /// `folder/fileName`, relative to the data set's directory.
        public var file: String { folder + "/" + fileName }
    }

    /// The font the bitmaps come from.
    public let font: OpenTypeFont
    /// The emoji to write, in `emoji-test.txt` order.
    public let items: [Item]
    /// Entries left out, with why (two different tones, no glyph in the font).
    public let skipped: [(entry: EmojiTestEntry, reason: String)]

    /// Matches the fully-qualified and component entries of `emoji-test.txt` with the font's
    /// glyphs (character map for single code points, ligatures for sequences).
    public init(font: OpenTypeFont, entries: [EmojiTestEntry]) {
        var items: [Item] = [], skipped: [(EmojiTestEntry, String)] = []
        for entry in entries where entry.status == "fully-qualified" || entry.status == "component" {
            let tones = Set(entry.codePoints.compactMap(SkinTone.init(modifier:)))
            guard entry.status == "component" || tones.count <= 1 else {
                skipped.append((entry, "two different skin tones"))
                continue
            }
            guard let glyph = entry.codePoints.count == 1 ? font.glyph(for: entry.codePoints[0])
                                                          : font.glyph(forSequence: entry.codePoints),
                  font.hasBitmap(forGlyph: glyph) else {
                skipped.append((entry, "no glyph with a bitmap in the font"))
                continue
            }
            let tone = entry.status == "component" ? nil : tones.first
            items.append(Item(entry: entry, folder: tone?.rawValue ?? EmojiSet.slug(entry.group),
                              fileName: EmojiSet.fileName(for: entry.codePoints) + ".png", tone: tone, glyph: glyph))
        }
        self.font = font
        self.items = items
        self.skipped = skipped
    }

    // MARK: Names

    /// A group as a folder name: `Smileys & Emotion` → `smileys-emotion`.
    public static func slug(_ text: String) -> String {
        text.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.joined(separator: "-")
    }

    /// Lower-case hex code points joined by `-`, U+FE0F left out: `1f44d-1f3fc`.
    public static func fileName(for codePoints: [UInt32]) -> String {
        codePoints.filter { $0 != 0xFE0F }.map { String($0, radix: 16) }.joined(separator: "-")
    }

    /// The code points a file name stands for (`1f44d-1f3fc.png` → [0x1F44D, 0x1F3FC]), or nil.
    public static func codePoints(ofFileName name: String) -> [UInt32]? {
        let stem = name.hasSuffix(".png") ? String(name.dropLast(4)) : name
        let values = stem.split(separator: "-").map { UInt32($0, radix: 16) }
        return values.isEmpty || values.contains(nil) ? nil : values.map { $0! }
    }

    /// The file name of the same emoji in `tone`: every tone modifier replaced by `tone`'s
    /// (`1f44d-1f3fc.png`, `.dark` → `1f44d-1f3ff.png`). Nil when the name carries no tone or
    /// two different ones. Folders in front of the name are kept.
    public static func counterpart(of fileName: String, tone: SkinTone) -> String? {
        let slash = fileName.lastIndex(of: "/").map { fileName.index(after: $0) } ?? fileName.startIndex
        guard let scalars = codePoints(ofFileName: String(fileName[slash...])),
              Set(scalars.compactMap(SkinTone.init(modifier:))).count == 1 else { return nil }
        let swapped = scalars.map { SkinTone(modifier: $0) == nil ? $0 : tone.modifier }
        return String(fileName[..<slash]) + EmojiSet.fileName(for: swapped) + ".png"
    }

    /// The file name with its tone removed (`1f44d-1f3fc.png` → `1f44d`): the key that joins an
    /// emoji across tone folders (index.csv's `base` column).
    public static func baseName(of fileName: String) -> String? {
        codePoints(ofFileName: fileName).map { EmojiSet.fileName(for: $0.filter { SkinTone(modifier: $0) == nil }) }
    }

    /// The files of tone folder `from` under `directory` whose counterpart in `to` exists,
    /// paired with it, sorted by the source's name.
    ///
    /// Both folders sort the same way (a tone modifier's hex sorts after every other code
    /// point sharing its prefix), so when every file has its counterpart, image i of
    /// `folder:DIR@from` is the same emoji as image i of `folder:DIR@to`.
    public static func pairs(in directory: String, from: SkinTone, to: SkinTone) throws -> [(source: String, target: String)] {
        let source = FileIO.join(directory, from.rawValue), target = FileIO.join(directory, to.rawValue)
        for folder in [source, target] where !FileIO.isDirectory(folder) {
            throw DataError(.notFound, path: folder, "expected a tone folder written by `gan data emoji`")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".png") }.sorted()
        return names.compactMap { name in
            guard let other = counterpart(of: name, tone: to), FileIO.exists(FileIO.join(target, other)) else { return nil }
            return (FileIO.join(source, name), FileIO.join(target, other))
        }
    }

    // MARK: Writing

    /// The glyph of `item` on white, padded to a square and resized to `size`×`size` RGB.
    public func image(of item: Item, size: Int) throws -> Bitmap {
        guard let bitmap = try font.bitmap(forGlyph: item.glyph) else {
            throw DataError(.malformed, path: font.path, "glyph \(item.glyph) (\(item.fileName)) has no bitmap")
        }
        return bitmap.converted(toChannels: 3).paddedToSquare(fill: 255).resized(width: size, height: size)
    }

    /// Writes every item as a `size`×`size` PNG under `directory` (created when missing) and
    /// `directory/index.csv` (columns file, group, subgroup, name, codepoints, tone, base).
    ///
    /// - Parameter progress: called on this thread with (written, total) after each batch.
    /// - Returns: files written per folder.
    @discardableResult
    public func write(to directory: String, size: Int, progress: ((Int, Int) -> Void)? = nil) throws -> [String: Int] {
        guard size > 0 else {
            throw DataError(.invalidArgument, path: directory, "image size must be positive, got \(size)")
        }
        for folder in Set(items.map(\.folder)) {
            try FileManager.default.createDirectory(atPath: FileIO.join(directory, folder), withIntermediateDirectories: true)
        }
        let batch = 64
        var start = 0
        while start < items.count {
            let chunk = Array(items[start..<Swift.min(start + batch, items.count)])
            let failures = FailureSlot()
            DispatchQueue.concurrentPerform(iterations: chunk.count) { i in
                do {
                    try image(of: chunk[i], size: size).writePNG(to: FileIO.join(directory, chunk[i].file))
                } catch {
                    failures.record(error)
                }
            }
            if let error = failures.first { throw error }
            start += chunk.count
            progress?(start, items.count)
        }
        try FileIO.writeBytes(Array(indexCSV().utf8), to: FileIO.join(directory, "index.csv"))
        return Dictionary(grouping: items, by: \.folder).mapValues(\.count)
    }

    /// `index.csv`: one row per file, sorted by file, fields quoted where needed (names hold commas).
    public func indexCSV() -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = ["file,group,subgroup,name,codepoints,tone,base"]
        for item in items.sorted(by: { $0.file < $1.file }) {
            let codes = item.entry.codePoints.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            lines.append([item.file, EmojiSet.slug(item.entry.group), item.entry.subgroup, item.entry.name, codes,
                          item.tone?.rawValue ?? "", EmojiSet.baseName(of: item.fileName) ?? ""].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The first error thrown by any of several concurrent workers.
private final class FailureSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    var first: Error? { lock.lock(); defer { lock.unlock() }; return error }

    func record(_ new: Error) {
        lock.lock()
        if error == nil { error = new }
        lock.unlock()
    }
}
