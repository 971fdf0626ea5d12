import Foundation
import GANTestSupport
import Testing
@testable import GANData

// ZipArchive on files Python's zipfile wrote (Tests/Fixtures/archives/, made by
// scripts/make_archive_fixtures.py), and on copies of them damaged here.

@Suite struct ZipArchiveTests {
    static func fixture(_ name: String) -> String {
        Fixture.directory.appendingPathComponent("archives/\(name)").path
    }

    /// `deflated.bin` of entries.zip, as the script makes it.
    static let deflatedContents = (0..<20000).map { UInt8(($0 * $0) % 251) }

    @Test func readsStoredAndDeflatedEntries() throws {
        let zip = try ZipArchive(contentsOf: Self.fixture("entries.zip"))
        #expect(zip.entries.map(\.name) == ["stored.txt", "deflated.bin", "folder/empty"])
        #expect(zip.entries.map(\.method) == [0, 8, 0])
        #expect(try zip.contents(of: "stored.txt") == Array(String(repeating: "stored entry\n", count: 3).utf8))
        let deflated = try #require(zip.entry(named: "deflated.bin"))
        #expect(deflated.compressedSize < deflated.size)
        #expect(try zip.contents(of: deflated) == Self.deflatedContents)
        #expect(try zip.contents(of: "folder/empty").isEmpty)
        #expect(dataError { try zip.contents(of: "missing.txt") }?.kind == .notFound)
    }

    @Test func readsZip64SizesAndOffsets() throws {
        let zip = try ZipArchive(contentsOf: Self.fixture("zip64.zip"))
        let entry = try #require(zip.entry(named: "big.txt"))
        let expected = Array(String(repeating: "zip64 sizes live in the extra field\n", count: 4).utf8)
        #expect(entry.size == expected.count && entry.compressedSize == expected.count)
        #expect(try zip.contents(of: entry) == expected)
    }

    @Test func corruptDataFailsItsChecksum() throws {
        var bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let text = Array("stored entry".utf8)
        let start = try #require((0...(bytes.count - text.count)).first { Array(bytes[$0..<($0 + text.count)]) == text })
        bytes[start] ^= 0x20
        let zip = try ZipArchive(bytes: bytes, source: "damaged.zip")
        let error = try #require(dataError { try zip.contents(of: "stored.txt") })
        #expect(error.kind == .malformed && error.reason.contains("CRC-32"), "\(error)")
        // The deflated entry still reads.
        #expect(try zip.contents(of: "deflated.bin") == Self.deflatedContents)
    }

    @Test func damagedDeflateStreamIsAnError() throws {
        var bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let zip = try ZipArchive(bytes: bytes, source: "entries.zip")
        let entry = try #require(zip.entry(named: "deflated.bin"))
        // Zero the middle of the compressed data: inflate fails or the CRC does.
        let local = entry.headerOffset
        let start = local + 30 + Int(bytes[local + 26]) + Int(bytes[local + 28])
        for i in (start + entry.compressedSize / 3)..<(start + 2 * entry.compressedSize / 3) { bytes[i] = 0 }
        let damaged = try ZipArchive(bytes: bytes, source: "damaged.zip")
        let error = try #require(dataError { try damaged.contents(of: "deflated.bin") })
        print("damaged deflate: \(error)")
        #expect(error.kind == .malformed && error.path == "damaged.zip")
    }

    @Test func notAZipOrCutShort() throws {
        let bytes = try FileIO.readBytes(Self.fixture("entries.zip"))
        let cut = dataError { try ZipArchive(bytes: Array(bytes.dropLast(10)), source: "cut.zip") }
        #expect(cut?.kind == .malformed && cut?.reason.contains("no end-of-central-directory record") == true)
        #expect(dataError { try ZipArchive(bytes: Array("plain text".utf8), source: "text") }?.kind == .malformed)
        // The directory says more entries than it holds.
        var lying = bytes
        let end = lying.count - 22
        lying[end + 10] = 9
        let error = dataError { try ZipArchive(bytes: lying, source: "lying.zip") }
        #expect(error?.reason.contains("central directory entry 3 of 9") == true, "\(String(describing: error))")
    }
}
