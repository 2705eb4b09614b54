import KhudiCLI

BenchCommand.main()
