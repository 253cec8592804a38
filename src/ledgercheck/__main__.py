from ledgercheck.cli import main

main()
