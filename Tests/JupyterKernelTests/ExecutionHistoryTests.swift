import Testing
@testable import JupyterKernel

@Suite struct ExecutionHistoryTests {
    var history: ExecutionHistory {
        var h = ExecutionHistory()
        for (i, input) in ["x = 1", "42", "print \"a\"", "42", "x"].enumerated() { h.record(line: i + 1, input: input) }
        return h
    }

    @Test func tailRangeAndSearch() {
        #expect(history.tail(2).map(\.line) == [4, 5])
        #expect(history.range(session: 0, start: 2, stop: 4).map(\.line) == [2, 3])
        #expect(history.range(session: 1, start: 4, stop: nil).map(\.line) == [4, 5])
        #expect(history.range(session: 7, start: 1, stop: nil).isEmpty)
        #expect(history.search(pattern: "4*", n: nil, unique: false).map(\.line) == [2, 4])
        #expect(history.search(pattern: "4*", n: nil, unique: true).map(\.line) == [4])
        #expect(history.search(pattern: "*", n: 3, unique: false).map(\.line) == [3, 4, 5])
        #expect(history.search(pattern: "x?=*", n: nil, unique: false).map(\.line) == [1])
    }
}
