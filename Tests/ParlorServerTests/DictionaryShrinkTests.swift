import Testing
@testable import ParlorServer

@Suite struct DictionaryShrinkTests {
    @Test func aDictionaryThatLostMostOfItsEntriesGivesItsStorageBackAndKeepsTheRest() {
        var table: [Int: String] = [:]
        for n in 0..<2_000 { table[n] = "\(n)" }
        let grown = table.capacity
        for n in 0..<2_000 where n % 100 != 0 {
            table[n] = nil
            table.shrinkIfSparse()
        }
        #expect(table.count == 20)
        #expect(table.capacity < grown / 10, "capacity \(table.capacity) after shrinking from \(grown)")
        #expect((0..<20).allSatisfy { table[$0 * 100] == "\($0 * 100)" })
    }

    @Test func aSmallOrBusyDictionaryIsLeftAlone() {
        var small: [Int: Int] = [1: 1]
        let smallCapacity = small.capacity
        small.shrinkIfSparse()
        #expect(small.capacity == smallCapacity)

        var busy: [Int: Int] = [:]
        for n in 0..<1_000 { busy[n] = n }
        let capacity = busy.capacity
        for n in 0..<400 { busy[n] = nil }
        busy.shrinkIfSparse()
        #expect(busy.capacity == capacity, "600 of \(capacity) in use: not sparse")
    }
}
