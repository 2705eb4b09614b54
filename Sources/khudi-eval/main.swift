import KhudiCLI

EvalCommand.main()
