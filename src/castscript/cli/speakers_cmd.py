"""castscript speakers enroll | list | remove | rename: the voice library used by ``castscript run --identify``."""

from __future__ import annotations

import argparse
from . import add_command

# The voice library (and the speaker model under it) loads when a command runs, not for ``castscript --help``.


def register(subparsers) -> None:
    parser = add_command(subparsers, "speakers")
    parser.add_argument("--voices", default=None, help="voice library file (default CASTSCRIPT_VOICES or "
                        "~/.local/share/castscript/voices.sqlite)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    enroll = actions.add_parser("enroll", help="store a voice from audio of that speaker alone, or from a transcript")
    enroll.add_argument("name", help="the speaker's name, as it should appear in transcripts")
    enroll.add_argument("audio", nargs="*", help="audio or video files with only this speaker talking")
    enroll.add_argument("--transcript", help="a castscript JSON transcript to take the voice from, with --speaker")
    enroll.add_argument("--speaker", help="the transcript's speaker (label such as SPEAKER_00, or name)")
    enroll.add_argument("--replace", action="store_true", help="replace the voice instead of adding to it")
    enroll.add_argument("--threads", type=int, default=0, help="CPU threads for the embedding model (0: all cores)")
    enroll.set_defaults(func=enroll_command)

    actions.add_parser("list", help="list the enrolled voices").set_defaults(func=list_command)

    remove = actions.add_parser("remove", help="forget a voice")
    remove.add_argument("name")
    remove.set_defaults(func=remove_command)

    rename = actions.add_parser("rename", help="rename a voice")
    rename.add_argument("old")
    rename.add_argument("new")
    rename.set_defaults(func=rename_command)


def enroll_command(args: argparse.Namespace) -> int:
    from ..editing import load_transcript
    from ..voices import VoiceLibrary, VoiceLibraryError, enroll_files, enroll_speaker

    library = VoiceLibrary(args.voices)
    if bool(args.transcript) != bool(args.speaker):
        raise VoiceLibraryError("--transcript and --speaker go together.", hint="e.g. --transcript ep1.json --speaker SPEAKER_00")
    if args.transcript and args.audio:
        raise VoiceLibraryError("Enrol from audio files or from a transcript, not both at once.")
    if args.transcript:
        voice = enroll_speaker(load_transcript(args.transcript), args.speaker, args.name, library, replace=args.replace)
    else:
        voice = enroll_files(args.name, args.audio, library, replace=args.replace, threads=args.threads)
    print(f"enrolled {voice.name}: {voice.speech_seconds:.1f} s of speech in {library.path}")
    return 0


def list_command(args: argparse.Namespace) -> int:
    from ..voices import VoiceLibrary

    library = VoiceLibrary(args.voices)
    voices = library.voices()
    if not voices:
        print(f"no voices enrolled in {library.path}")
    for voice in voices:
        print(f"{voice.name}\t{voice.speech_seconds:.1f} s\t{voice.updated}")
    return 0


def remove_command(args: argparse.Namespace) -> int:
    from ..voices import VoiceLibrary

    VoiceLibrary(args.voices).remove(args.name)
    print(f"removed {args.name}")
    return 0


def rename_command(args: argparse.Namespace) -> int:
    from ..voices import VoiceLibrary

    VoiceLibrary(args.voices).rename(args.old, args.new)
    print(f"renamed {args.old} to {args.new}")
    return 0
