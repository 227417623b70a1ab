from modernizer.cli.main import run

run()
