from audio2digest.cli import main

if __name__ == "__main__":
    main(prog_name="audio2digest")
