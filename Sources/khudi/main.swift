import KhudiCLI

KhudiCommand.main()
