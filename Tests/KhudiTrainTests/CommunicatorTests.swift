import KhudiTrain
import Testing

@Suite struct CommunicatorTests {
    @Test func singleProcessNeverLoadsMPI() throws {
        let communicator = try makeCommunicator(for: .single)
        #expect(communicator.rank == 0)
        #expect(communicator.size == 1)
        var buffer: [Float] = [1, 2, 3]
        try buffer.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        try communicator.barrier()
        #expect(buffer == [1, 2, 3])
        #expect(!MPICommunicator.isLibraryLoaded, "a single-process run must not map libmpi")
    }

    @Test func probeOnOneRankSumsToItsOwnValues() throws {
        let probe = try AllReduceProbe.run(on: SingleProcessCommunicator(), count: 16)
        #expect(probe.head == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(probe.total == 72)
        #expect(probe.matchesExpectation)
    }
}
