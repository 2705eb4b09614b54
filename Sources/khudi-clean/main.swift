import KhudiCLI

CleanCommand.main()
