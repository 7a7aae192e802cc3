import Foundation
import ParlorTestSupport
import Testing
@testable import ParlorAudio

@Suite(.serialized) struct WAVTests {
    @Test func writtenFileReadsBackAndSoxAgrees() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("tone.wav")
        let samples: [Int16] = (0..<48_000).map { Int16(10_000 * sin(Double($0) * 2 * .pi * 440 / 48_000)) }
        let writer = try WAVWriter(path: path)
        try writer.write(Array(samples[..<20_000]))
        try writer.write(Array(samples[20_000...]))
        writer.close()
        let read = try WAVReader(path: path)
        #expect(read.sampleRate == 48_000 && read.channels == 1)
        #expect(read.samples == samples)
        let info = try Command.run(["sox", "--i", "-s", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(info == "48000")
    }

    @Test func headerIsUpToDateWhileStillWriting() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("open.wav")
        let writer = try WAVWriter(path: path, headerInterval: 960 * 2)
        try writer.write([Int16](repeating: 5, count: 960))
        // Not closed: the header was rewritten after the first 960 samples.
        #expect(try WAVReader(path: path).samples.count == 960)
        SignalFinaliser.finaliseAll()
        writer.close()
    }

    @Test func badFilesAreTypedErrors() throws {
        #expect(throws: WAVError.notWAV(path: "WAV data")) { try WAVReader(bytes: Array("not a wav file".utf8)) }
        #expect(throws: WAVError.noData(path: "WAV data")) { try WAVReader(bytes: WAVFormat.header(dataBytes: 0).prefix(36).map { $0 }) }
        #expect(throws: WAVError.self) { try WAVWriter(path: "/nonexistent-dir/x.wav") }
    }
}
