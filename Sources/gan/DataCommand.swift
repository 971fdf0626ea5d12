import ArgumentParser
import Foundation
import GANData

/// `gan data`: builds data sets from files already on the machine.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Build image data sets from files on this machine (no download).",
        subcommands: [DataEmoji.self]
    )
}

/// `gan data emoji`: every emoji of Noto Color Emoji as a `folder:DIR` data set.
struct DataEmoji: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emoji",
        abstract: "Write every emoji of Noto Color Emoji as PNGs sorted by group and skin tone.",
        discussion: """
        Reads the colour bitmaps of Debian's fonts-noto-color-emoji and the emoji list
        of unicode-data (emoji-test.txt); both are installed with apt-get when missing
        and you are root. Each emoji is composited onto white, padded to a square and
        resized to --size.

        Folders: one per group for emoji without a skin tone (smileys-emotion,
        people-body, animals-nature, food-drink, travel-places, activities, objects,
        symbols, flags, component) and one per tone (light, medium-light, medium,
        medium-dark, dark). Files are named by code points without U+FE0F
        (medium-light/1f44d-1f3fc.png); the same emoji in another tone has the other
        modifier (dark/1f44d-1f3ff.png). Sequences with two different tones are
        skipped. DIR/index.csv lists file, group, subgroup, name, codepoints, tone and
        base (the name without its tone).

        Examples:
          gan data emoji --size 64 --out ~/emoji64
          gan data emoji --size 32 --out ~/emoji32 \\
              --font MyEmoji.ttf --emoji-test emoji-test.txt
          gan train dcgan --preset dcgan64 --data folder:~/emoji64@smileys-emotion
        """
    )

    @Option(help: "Side of the square images in pixels (e.g. 64, 32, 28).")
    var size: Int = 64

    @Option(help: "The folder to write (created when missing).", transform: FileIO.expandingTilde)
    var out: String

    @Option(help: "The colour emoji font (CBDT/CBLC bitmaps, as Noto Color Emoji).", transform: FileIO.expandingTilde)
    var font: String = EmojiSet.debianFontPath

    @Option(help: "Unicode's emoji-test.txt: the emoji, their groups and names.", transform: FileIO.expandingTilde)
    var emojiTest: String = EmojiTest.debianPath

    func validate() throws {
        guard size > 0 && size <= 4096 else {
            throw ValidationError("--size must be between 1 and 4096, got \(size)")
        }
    }

    func run() throws {
        let started = Date()
        try installMissingFiles()
        let fontFile = try OpenTypeFont(contentsOf: font)
        let entries = try EmojiTest.read(emojiTest)
        let set = EmojiSet(font: fontFile, entries: entries)
        guard !set.items.isEmpty else {
            throw DataError(.empty, path: font, "expected glyphs for the emoji of \(emojiTest), found none")
        }
        print("\(set.items.count) emoji from \(font) (\(fontFile.pixelsPerEm) ppem bitmaps) -> \(out) at \(size)×\(size)")
        let counts = try set.write(to: out, size: size) { done, total in
            print("\r  \(done)/\(total) written", terminator: done == total ? "\n" : "")
            fflush(stdout)
        }
        let width = counts.keys.map(\.count).max() ?? 0
        for (folder, count) in counts.sorted(by: { $0.key < $1.key }) {
            print("  \(folder.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)")
        }
        let reasons = Dictionary(grouping: set.skipped, by: \.reason).mapValues(\.count)
        for (reason, count) in reasons.sorted(by: { $0.key < $1.key }) {
            print("  skipped \(count): \(reason)")
        }
        print(String(format: "%d files and index.csv in %.1f s", set.items.count, Date().timeIntervalSince(started)))
    }

    /// Installs the Debian packages for the default paths that are missing; a path the user
    /// named is never installed over (its absence is reported when it is read).
    private func installMissingFiles() throws {
        var missing: [(package: String, path: String)] = []
        if !FileManager.default.fileExists(atPath: font) && font == EmojiSet.debianFontPath {
            missing.append(("fonts-noto-color-emoji", font))
        }
        if !FileManager.default.fileExists(atPath: emojiTest) && emojiTest == EmojiTest.debianPath {
            missing.append(("unicode-data", emojiTest))
        }
        guard !missing.isEmpty else { return }
        try installDebianPackages(missing.map(\.package),
                                  reason: "\(missing.map(\.path).joined(separator: " and ")) not found")
    }
}
