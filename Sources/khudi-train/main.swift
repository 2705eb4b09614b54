import KhudiCLI

TrainCommand.main()
