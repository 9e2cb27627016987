from stanchion.cli.main import main

main()
