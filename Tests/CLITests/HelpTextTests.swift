import Foundation
import Testing

/// Every command's written help (the text between the overview and USAGE) reads cleanly in an
/// 80-column terminal. ArgumentParser wraps a line where it crosses the width and keeps the
/// written line breaks, so a paragraph written 100 columns wide reads as long lines alternating
/// with one-word ones. A line over 80 columns is therefore allowed only as a whole paragraph
/// (one logical line, written with `\` continuations), which wraps evenly. Printed 200 columns
/// wide, nothing is re-wrapped and the written lines show.
@Suite(.enabled(if: GANCommand.shouldRun)) struct HelpTextTests {
    /// ArgumentParser keeps lines of at most 79 columns in an 80-column terminal.
    static let width = 79

    /// `path`'s subcommands, from the SUBCOMMANDS section of its help.
    static func subcommands(of path: [String], in folder: URL) throws -> [[String]] {
        let help = try GANCommand.run(path + ["--help"], in: folder, environment: ["COLUMNS": "200"]).output
        guard let section = help.range(of: "SUBCOMMANDS:") else { return [] }
        // Entries are "  name   abstract", up to the blank line before "See 'gan help …'".
        let lines = help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        return lines.prefix { !$0.isEmpty }.compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                  name != "help", name.allSatisfy({ $0.isLowercase || $0 == "-" }) else { return nil }
            return path + [String(name)]
        }
    }

    @Test func writtenHelpFitsEightyColumns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("help-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var commands = try Self.subcommands(of: [], in: folder), checked = 0
        #expect(commands.count >= 14)
        while let command = commands.popLast() {
            commands += try Self.subcommands(of: command, in: folder)
            let help = try GANCommand.run(command + ["--help"], in: folder, environment: ["COLUMNS": "200"]).output
            // Skip the OVERVIEW line (one string that ArgumentParser wraps itself).
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
            guard let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else { continue }
            let written = lines[..<usage].drop { !$0.isEmpty }
            for (line, next) in zip(written, written.dropFirst() + [""]) where line.count > Self.width && !next.isEmpty {
                Issue.record("gan \(command.joined(separator: " ")) --help: \(line.count) columns: \(line)")
            }
            checked += 1
        }
        #expect(checked >= 14)
    }
}
