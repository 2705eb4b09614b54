import KhudiCLI

TokenizeCommand.main()
