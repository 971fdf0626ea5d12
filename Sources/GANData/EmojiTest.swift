/// The entries of Unicode's `emoji-test.txt` (Debian's `unicode-data` installs it as
/// `/usr/share/unicode/emoji/emoji-test.txt`), each with its group and subgroup.
///
/// ```
/// # group: Smileys & Emotion
/// # subgroup: face-smiling
/// 1F600 ; fully-qualified # 😀 E1.0 grinning face
/// ```
public struct EmojiTestEntry: Equatable, Sendable {
    /// The code points of the sequence, as listed (U+FE0F included).
    public var codePoints: [UInt32]
    /// `fully-qualified`, `minimally-qualified`, `unqualified` or `component`.
    public var status: String
    /// The CLDR short name: `thumbs up: medium-light skin tone`.
    public var name: String
    /// The group as written: `People & Body`.
    public var group: String
    /// The subgroup: `hand-fingers-closed`.
    public var subgroup: String
}

/// Reads `emoji-test.txt`.
public enum EmojiTest {
    /// Where Debian's `unicode-data` puts the file.
    public static let debianPath = "/usr/share/unicode/emoji/emoji-test.txt"

    /// Every entry of the file at `path`, in file order.
    ///
    /// - Throws: `.notFound`; `.malformed` naming the line for an entry that cannot be read.
    public static func read(_ path: String) throws -> [EmojiTestEntry] {
        try parse(String(decoding: FileIO.readBytes(path), as: UTF8.self), path: path)
    }

    /// The entries of the file's text; `path` is what errors name.
    public static func parse(_ text: String, path: String) throws -> [EmojiTestEntry] {
        var entries: [EmojiTestEntry] = []
        var group = "", subgroup = ""
        for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                if let value = line.value(after: "# group:") { group = value }
                if let value = line.value(after: "# subgroup:") { subgroup = value }
                continue
            }
            // 1F44D 1F3FC ; fully-qualified # 👍🏼 E1.0 thumbs up: medium-light skin tone
            let fields = line.split(separator: ";", maxSplits: 1)
            let scalars = fields[0].split(separator: " ").map { UInt32($0, radix: 16) }
            guard fields.count == 2, !scalars.isEmpty, scalars.allSatisfy({ $0 != nil }),
                  let hash = fields[1].firstIndex(of: "#") else {
                throw DataError(.malformed, path: path,
                                "line \(number + 1): expected 'CODE POINTS ; status # emoji E<version> name', found '\(line)'")
            }
            let status = fields[1][..<hash].trimmingCharacters(in: " ")
            // The comment is the emoji, its version (E1.0) and the name.
            let comment = fields[1][fields[1].index(after: hash)...].split(separator: " ", maxSplits: 2)
            let name = comment.count == 3 && comment[1].hasPrefix("E") ? String(comment[2]) : comment.joined(separator: " ")
            entries.append(EmojiTestEntry(codePoints: scalars.map { $0! }, status: status, name: name,
                                          group: group, subgroup: subgroup))
        }
        guard !entries.isEmpty else {
            throw DataError(.empty, path: path, "expected emoji-test.txt entries ('1F600 ; fully-qualified # ...'), found none")
        }
        return entries
    }
}

private extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let kept = drop { set.contains($0) }
        return String(kept.reversed().drop { set.contains($0) }.reversed())
    }

    /// The trimmed rest of the line after `prefix`, or nil.
    func value(after prefix: String) -> String? {
        hasPrefix(prefix) ? dropFirst(prefix.count).trimmingCharacters(in: " ") : nil
    }
}
