from profilewatch.cli import main

main()
