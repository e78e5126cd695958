"""Calibrate the voice-identification threshold: cosine scores of enrolled voices against diarized speakers.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/calibrate_voices.py

Synthetic: ANNA, BEN and CARL (pitch-shifted espeak-ng voices) are enrolled from their lines of one dialogue; two more
dialogues with other sentences (not those of the tests) go through the pipeline (told there are 3 speakers), and every diarized speaker's
embedding is scored against every enrolled voice (same voice / different voice, by the reference turns).
Real speech: each speaker of the AMI and pyannote samples enrolled from the first half of their non-overlapped turns
and scored against the second half (same) and the other speakers' second halves (different).
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import numpy as np

from castscript.diarization import SpeakerEmbedder
from castscript.document import SpeakerTurn
from castscript.media import SAMPLE_RATE, decode_audio
from castscript.pipeline import PipelineOptions, SpeakerOptions, run_pipeline
from castscript.synthetic import ANNA, BEN, CARL, Line, dialogue, write_wav
from castscript.voices import DEFAULT_THRESHOLD, VoiceLibrary, enroll_files, voice_embedding

ENROLMENT = [
    Line(ANNA, "Good morning. Did you read the script for the new episode?"),
    Line(BEN, "Yes, I read it last night. The second scene is very funny."),
    Line(CARL, "I think the ending needs more work, to be honest."),
    Line(ANNA, "I agree. We should record it this afternoon."),
    Line(BEN, "Perfect. I will call the studio and book a room for three o'clock."),
    Line(CARL, "Fine, but I need a coffee first."),
]
EPISODES = [
    [
        Line(BEN, "The printer on the second floor is broken again."),
        Line(CARL, "I called the technician, he comes after lunch."),
        Line(ANNA, "Good, because I must print the contracts before five."),
        Line(CARL, "You can use the one in the library until then."),
        Line(BEN, "That one is slow, but it works well enough."),
        Line(ANNA, "Fine, I will walk over there right now."),
    ],
    [
        Line(CARL, "Has anyone seen the new schedule for next week?"),
        Line(ANNA, "It was sent by email this morning, check your inbox."),
        Line(BEN, "I found it. We start at eight on Monday, which is early."),
        Line(CARL, "Early is fine if we finish before lunch on Friday."),
        Line(ANNA, "Let us ask the producer about that."),
        Line(BEN, "Good idea, I will write to her today."),
    ],
]


def overlap(turns: list[SpeakerTurn], a: str, b: list[SpeakerTurn], label: str) -> float:
    return sum(max(0.0, min(t.end, u.end) - max(t.start, u.start)) for t in turns if t.speaker == a for u in b if u.speaker == label)


def synthetic_scores(scratch: Path) -> tuple[list[float], list[float]]:
    library = VoiceLibrary(scratch / "voices.sqlite")
    audio, turns = dialogue(ENROLMENT)
    for voice in (ANNA, BEN, CARL):
        clip = np.concatenate([audio[int(t.start * SAMPLE_RATE) : int(t.end * SAMPLE_RATE)] for t in turns if t.speaker == voice.label])
        enroll_files(voice.label, [write_wav(clip, scratch / f"{voice.label}.wav")], library)
    voices = library.voices()
    same, different = [], []
    options = PipelineOptions(speakers=SpeakerOptions(num_speakers=3), formats=("json",))
    for number, lines in enumerate(EPISODES):
        audio, reference = dialogue(lines)
        document = run_pipeline(write_wav(audio, scratch / f"episode{number}.wav"), options, scratch).document
        for speaker in document.speakers.values():
            who = max(voices, key=lambda v: overlap(reference, v.name, document.turns, speaker.label)).name
            for voice in voices:
                (same if voice.name == who else different).append(float(np.dot(voice.embedding, speaker.embedding)))
    return same, different


def clean_turns(turns: list[tuple[float, float, str]], speaker: str) -> list[tuple[float, float]]:
    """The speaker's turns minus every moment another speaker talks, pieces of at least 0.5 s."""
    pieces = [(s, e) for s, e, who in turns if who == speaker]
    for start, end, who in turns:
        if who != speaker:
            pieces = [p for a, b in pieces for p in ((a, min(b, start)), (max(a, end), b)) if p[1] > p[0]]
    return [p for p in pieces if p[1] - p[0] >= 0.5]


def real_scores(media: Path) -> tuple[list[float], list[float]]:
    embedder = SpeakerEmbedder()
    recordings = [("pyannote-sample/sample.wav", "pyannote-sample/sample.rttm", "sample")]
    recordings += [(f"ami-train/trn0{i}.wav", "ami-train/debug.train.rttm", f"trn0{i}") for i in range(1, 6)]
    same, different = [], []
    for wav, rttm, uri in recordings:
        rows = [line.split() for line in (media / rttm).read_text().splitlines()]
        turns = [(float(r[3]), float(r[3]) + float(r[4]), r[7]) for r in rows if r[1] == uri]
        audio = decode_audio(media / wav)
        halves = {}
        for speaker in dict.fromkeys(t[2] for t in turns):
            pieces = clean_turns(turns, speaker)
            if len(pieces) >= 2 and sum(b - a for a, b in pieces) >= 3.0:
                clips = [np.concatenate([audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] for a, b in half])
                         for half in (pieces[: len(pieces) // 2], pieces[len(pieces) // 2 :])]
                halves[speaker] = [voice_embedding(clip, embedder)[0] for clip in clips]
        same += [float(np.dot(*pair)) for pair in halves.values() if all(len(v) for v in pair)]
        for a, b in itertools.permutations(halves, 2):
            if len(halves[a][0]) and len(halves[b][1]):
                different.append(float(np.dot(halves[a][0], halves[b][1])))
    return same, different


def describe(name: str, same: list[float], different: list[float]) -> None:
    print(f"{name}: same voice {min(same):.3f}-{max(same):.3f} (n={len(same)}), "
          f"different voices {min(different):.3f}-{max(different):.3f} (n={len(different)})")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("CASTSCRIPT_CACHE", str(Path(scratch) / "cache"))
        describe("synthetic (enrolled clips vs diarized speakers)", *synthetic_scores(Path(scratch)))
    describe("real (AMI + pyannote sample, first vs second half)", *real_scores(Path(os.environ["CASTSCRIPT_MEDIA"])))
    print(f"threshold in use: {DEFAULT_THRESHOLD}")


if __name__ == "__main__":
    main()
