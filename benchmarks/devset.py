"""Speaker dev set: seeded simulated conversations of real LibriSpeech voices, with exact RTTM and reference text.

    CASTSCRIPT_MEDIA=../shared/media python benchmarks/devset.py [OUT] [--seed 18] [--files 20]

Writes OUT/tuning and OUT/test (default ~/.cache/castscript/devset), each a folder ``castscript eval --dataset``
reads: one WAV per conversation, ``<half>.rttm`` and ``<half>.stm``, and ``manifest.json`` (cast, genders, overlap).

The 100 utterances of ``librispeech-test-other`` (10 voices) are split once: 4 voices (2 women, 2 men) are heard
only in the test half; each other voice gives 5 utterances to the tuning half and its other 5 to the test half, so no
test conversation contains audio of the tuning half. Utterances are cut at their pauses (energy) into phrases; a
turn is a run of phrases (0.3 s backchannels to 30 s monologues); turns follow each other after pauses or overlap
them (5-20 % of speech overlapped per file; backchannels inside long turns); some casts are one gender, some
speakers say little (under 5 % of the speech). The reference RTTM is the phrases' voiced frames (pauses over 0.5 s,
within a phrase or between phrases, split a turn), exact by construction. The reference text of each phrase is the
words of its utterance, transcribed alone with faster-whisper base (word timestamps, cached in
OUT/transcripts.json), whose middles fall inside the phrase. The rest of the dev set: AMI trn01-05 go with tuning (the old clustering was tuned on them),
pyannote's sample.wav with test.
"""

from __future__ import annotations

import argparse
import json
import os
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from castscript.media import decode_audio

SAMPLE_RATE = 16_000
MEDIA = Path(os.environ.get("CASTSCRIPT_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "media"))
LIBRISPEECH = MEDIA / "librispeech-test-other"
DEFAULT_OUT = Path.home() / ".cache" / "castscript" / "devset"
TEST_ONLY_VOICES = ("367", "533", "2609", "3005")
"""Two women and two men heard only in the test half."""
VERSION = 2
PAUSE = 0.5
"""A speaker's pauses shorter than this stay inside the reference turn (within a phrase and between phrases)."""
FRAME = 0.01
"""Seconds per energy frame."""


@dataclass(frozen=True)
class Utterance:
    id: str
    speaker: str
    gender: str
    path: Path


@dataclass(frozen=True)
class Phrase:
    """A stretch of one utterance between two pauses: where to cut (seconds) and its voiced stretches."""

    utterance: Utterance
    start: float
    end: float
    voiced: tuple[tuple[float, float], ...]
    """(start, end) within the utterance, pauses over 0.5 s splitting."""

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Conversation:
    uri: str
    speakers: list[str]
    genders: list[str]
    audio: np.ndarray = field(repr=False)
    turns: list[tuple[float, float, str]]
    """Reference speech (start, end, speaker), exact."""
    lines: list[tuple[float, float, str, str]]
    """(start, end, speaker, text): one line per placed run of phrases."""

    @property
    def overlap(self) -> float:
        """Fraction of speech time with two or more speakers."""
        return overlap_fraction(self.turns, len(self.audio) / SAMPLE_RATE)


def speakers_of(root: Path = LIBRISPEECH) -> dict[str, str]:
    """Speaker id -> gender (M/F) of the voices present, from SPEAKERS.TXT."""
    genders = {}
    for line in (root / "SPEAKERS.TXT").read_text().splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) >= 2 and not line.startswith(";") and (root / fields[0]).is_dir():
            genders[fields[0]] = fields[1]
    return genders


def utterances(root: Path = LIBRISPEECH) -> list[Utterance]:
    genders = speakers_of(root)
    return [
        Utterance(path.stem, speaker, gender, path)
        for speaker, gender in sorted(genders.items())
        for path in sorted((root / speaker).glob("*.flac"))
    ]


def split_halves(pool: list[Utterance]) -> dict[str, list[Utterance]]:
    """Tuning and test utterances: disjoint, the test-only voices entirely in the test half."""
    halves: dict[str, list[Utterance]] = {"tuning": [], "test": []}
    for speaker in sorted({u.speaker for u in pool}):
        own = [u for u in pool if u.speaker == speaker]
        if speaker in TEST_ONLY_VOICES:
            halves["test"] += own
        else:
            halves["tuning"] += own[: len(own) // 2]
            halves["test"] += own[len(own) // 2 :]
    return halves


def load(path: Path) -> np.ndarray:
    """16 kHz mono float32, scaled to one speech level (RMS 0.05)."""
    audio = decode_audio(path)
    return audio / max(float(np.sqrt(np.mean(audio**2))), 1e-6) * 0.05


def write_wav(path: Path, audio: np.ndarray) -> None:
    """16-bit PCM mono WAV."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def voiced_frames(audio: np.ndarray) -> np.ndarray:
    """Per 10 ms frame: voiced (energy within 35 dB of the loud frames and 8 dB above the floor)."""
    hop = int(FRAME * SAMPLE_RATE)
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)
    return db > max(np.percentile(db, 10) + 8, np.percentile(db, 95) - 35)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    changes = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(changes[::2].tolist(), changes[1::2].tolist()))


def phrases(utterance: Utterance, audio: np.ndarray, min_pause: float = 0.15) -> list[Phrase]:
    """The utterance cut in the middle of every pause of at least ``min_pause`` seconds."""
    voiced = voiced_frames(audio)
    speech = runs(voiced)
    if not speech:
        return []
    cuts = [0.0]
    for (_, end), (start, _) in zip(speech, speech[1:]):
        if (start - end) * FRAME >= min_pause:
            cuts.append((start + end) / 2 * FRAME)
    cuts.append(len(audio) / SAMPLE_RATE)
    out = []
    for start, end in zip(cuts, cuts[1:]):
        inside = [(max(s * FRAME, start), min(e * FRAME, end)) for s, e in speech if e * FRAME > start and s * FRAME < end]
        merged: list[list[float]] = []
        for s, e in inside:
            if merged and s - merged[-1][1] < 0.5:
                merged[-1][1] = e
            else:
                merged.append([s, e])
        if merged and sum(e - s for s, e in merged) >= 0.2:
            out.append(Phrase(utterance, start, end, tuple((round(s, 3), round(e, 3)) for s, e in merged)))
    return out


def overlap_fraction(turns: list[tuple[float, float, str]], duration: float) -> float:
    grid = np.zeros(int(duration / FRAME) + 2, dtype=np.int16)
    for speaker in {t[2] for t in turns}:
        mine = np.zeros_like(grid, dtype=bool)
        for start, end, who in turns:
            if who == speaker:
                mine[int(start / FRAME) : int(end / FRAME)] = True
        grid += mine
    speech = (grid > 0).sum()
    return float((grid > 1).sum() / speech) if speech else 0.0


TURN_KINDS = (("backchannel", 0.3, 0.9, 0.15), ("short", 1.0, 4.0, 0.35), ("medium", 4.0, 12.0, 0.35), ("long", 12.0, 30.0, 0.15))
"""(kind, shortest, longest seconds, probability) of a turn by a speaker who talks."""


class ConversationBuilder:
    """Places runs of phrases of a cast on a timeline; one random generator makes it reproducible."""

    def __init__(self, pool: dict[str, list[Phrase]], audio: dict[str, np.ndarray], rng: np.random.Generator):
        self.pool, self.audio, self.rng = pool, audio, rng
        self.cursor = {speaker: 0 for speaker in pool}

    def run_of_phrases(self, speaker: str, seconds: float) -> list[Phrase]:
        """Consecutive phrases of the speaker's utterances, about ``seconds`` long, cycling through the pool."""
        phrases = self.pool[speaker]
        if seconds < 1.0:
            short = [p for p in phrases if p.seconds <= 1.2] or sorted(phrases, key=lambda p: p.seconds)[:3]
            return [short[self.rng.integers(len(short))]]
        out: list[Phrase] = []
        index = self.cursor[speaker] + int(self.rng.integers(0, 3))
        while sum(p.seconds for p in out) < seconds:
            out.append(phrases[index % len(phrases)])
            index += 1
        self.cursor[speaker] = index
        return out

    def build(self, uri: str, cast: list[str], genders: list[str], minutes: float, overlap_rate: float) -> Conversation:
        rng = self.rng
        minor = set(cast[2:][: int(rng.integers(0, 2 + (len(cast) >= 5)))]) if len(cast) >= 3 else set()
        weights = rng.dirichlet(np.full(len(cast), 2.0))
        weights = np.where([s in minor for s in cast], 0.0, np.maximum(weights, 0.1))
        weights /= weights.sum()
        placed: list[tuple[float, str, list[Phrase]]] = []
        busy: dict[str, list[tuple[float, float]]] = {s: [] for s in cast}
        end_of_speech, previous, previous_span = 0.5, None, (0.0, 0.0)
        target = minutes * 60
        minor_turns = {s: int(rng.integers(2, 5)) for s in minor}
        while end_of_speech < target:
            speaker, kind = self._next_speaker(cast, weights, previous, minor_turns)
            low, high = next((k[1], k[2]) for k in TURN_KINDS if k[0] == kind)
            run = self.run_of_phrases(speaker, float(rng.uniform(low, high)))
            length = sum(p.seconds for p in run)
            fits = previous_span[1] - previous_span[0] > 4 and previous_span[1] - length - 0.5 >= previous_span[0] + 1
            if kind == "backchannel" and fits and rng.random() < 0.6:  # a backchannel inside the previous turn
                start = float(rng.uniform(previous_span[0] + 1, previous_span[1] - length - 0.5))
            elif previous is not None and rng.random() < overlap_rate:
                start = end_of_speech - float(rng.uniform(0.2, max(0.3, min(3.0, 0.5 * (previous_span[1] - previous_span[0])))))
            else:
                pause = float(rng.uniform(1.5, 3.0)) if rng.random() < 0.05 else float(rng.uniform(0.1, 1.2))
                start = end_of_speech + pause
            if any(s < start + length and start < e for s, e in busy[speaker]) or start < 0.3:
                continue
            placed.append((start, speaker, run))
            busy[speaker].append((start, start + length))
            if kind == "backchannel" and start + length < end_of_speech:
                continue
            end_of_speech, previous, previous_span = start + length, speaker, (start, start + length)
        return self._render(uri, cast, genders, placed)

    def _next_speaker(self, cast, weights, previous, minor_turns) -> tuple[str, str]:
        rng = self.rng
        for speaker, left in minor_turns.items():
            if left and speaker != previous and rng.random() < 0.15:
                minor_turns[speaker] -= 1
                return speaker, "backchannel" if rng.random() < 0.4 else "short"
        choices = [i for i, s in enumerate(cast) if (s != previous or len(cast) == 1) and weights[i] > 0]
        p = weights[choices] / weights[choices].sum()
        speaker = cast[choices[int(rng.choice(len(choices), p=p))]]
        kinds = [k[0] for k in TURN_KINDS]
        return speaker, kinds[int(rng.choice(len(kinds), p=[k[3] for k in TURN_KINDS]))]

    def _render(self, uri: str, cast: list[str], genders: list[str], placed) -> Conversation:
        duration = max(start + sum(p.seconds for p in run) for start, _, run in placed) + 0.5
        audio = self.rng.normal(0, 10 ** (-60 / 20), int(duration * SAMPLE_RATE)).astype(np.float32)
        gains = {s: 10 ** (float(self.rng.uniform(-4, 4)) / 20) for s in cast}
        turns, lines = [], []
        for start, speaker, run in sorted(placed, key=lambda item: item[0]):
            at, words = start, []
            for phrase in run:
                source = self.audio[phrase.utterance.id][int(phrase.start * SAMPLE_RATE) : int(phrase.end * SAMPLE_RATE)]
                first = int(at * SAMPLE_RATE)
                audio[first : first + len(source)] += gains[speaker] * source
                turns += [(round(at + s - phrase.start, 3), round(at + e - phrase.start, 3), speaker) for s, e in phrase.voiced]
                words.append(phrase)
                at += phrase.seconds
            lines.append((round(start, 3), round(at, 3), speaker, words))
        peak = float(np.abs(audio).max())
        audio = audio * (0.9 / peak) if peak > 0.9 else audio
        return Conversation(uri, cast, genders, audio, merge_turns(turns), lines)


def merge_turns(turns: list[tuple[float, float, str]], gap: float = 0.05) -> list[tuple[float, float, str]]:
    """One speaker's stretches merged where they overlap or pause less than ``gap`` seconds."""
    out: list[tuple[float, float, str]] = []
    for speaker in sorted({t[2] for t in turns}):
        for start, end, _ in sorted(t for t in turns if t[2] == speaker):
            if out and out[-1][2] == speaker and start - out[-1][1] < gap:
                out[-1] = (out[-1][0], max(out[-1][1], end), speaker)
            else:
                out.append((start, end, speaker))
    return sorted(out)


@dataclass(frozen=True)
class Plan:
    """What one conversation should be."""

    uri: str
    speakers: int
    minutes: float
    same_gender: bool
    overlap_rate: float


def plans(half: str, files: int, rng: np.random.Generator, voices: int) -> list[Plan]:
    """``files`` conversations of 2..min(8, voices) speakers, 1-6 minutes (mostly 1-2: the peer is slow), a quarter of
    them one gender."""
    counts = [2, 3, 4, 5, 2, 3, 6, 4, 3, 7, 2, 5, 8, 3, 4, 6, 2, 5, 3, 4]
    out = []
    for index in range(files):
        speakers = min(counts[index % len(counts)], voices)
        minutes = 5.5 if index == 6 else float(np.clip(rng.uniform(0.6, 1.3) + 0.12 * speakers, 1.0, 6.0))
        out.append(Plan(f"{half}{index:02d}", speakers, round(minutes, 2), index % 4 == 1, float(rng.uniform(0.3, 0.6))))
    return out


def pick_cast(plan: Plan, genders: dict[str, str], rng: np.random.Generator) -> list[str]:
    voices = sorted(genders)
    if plan.same_gender:
        by_gender = [[v for v in voices if genders[v] == g] for g in ("F", "M")]
        fitting = [group for group in by_gender if len(group) >= plan.speakers]
        if fitting:
            voices = fitting[int(rng.integers(len(fitting)))]
    return [str(v) for v in rng.choice(voices, size=plan.speakers, replace=False)]


class Library:
    """One half's utterances cut into phrases, by speaker."""

    def __init__(self, half: str, root: Path = LIBRISPEECH):
        pool = split_halves(utterances(root))[half]
        self.audio = {u.id: load(u.path) for u in pool}
        self.genders = {u.speaker: u.gender for u in pool}
        self.phrases: dict[str, list[Phrase]] = {}
        for u in pool:
            self.phrases.setdefault(u.speaker, []).extend(phrases(u, self.audio[u.id]))

    def conversation(self, uri: str, cast: list[str], minutes: float, seed: int, rate: float = 0.4, max_tries: int = 30) -> Conversation:
        """A conversation of ``cast`` (overlap within 5-20 %, every speaker heard), reproducible from ``seed``."""
        for attempt in range(max_tries):
            builder = ConversationBuilder({s: self.phrases[s] for s in cast}, self.audio, np.random.default_rng([seed, hash_uri(uri), attempt]))
            conversation = builder.build(uri, cast, [self.genders[s] for s in cast], minutes, rate)
            if len(cast) == 1 or 0.05 <= conversation.overlap <= 0.20 and len({t[2] for t in conversation.turns}) == len(cast):
                break
            rate = min(0.8, rate * 1.25) if conversation.overlap < 0.05 else rate * 0.8
        return conversation


def conversations(half: str, files: int, seed: int = 18, root: Path = LIBRISPEECH):
    """Yield the half's conversations (overlap within 5-20 %, minor speakers under 5 % of the speech)."""
    library = Library(half, root)
    rng = np.random.default_rng([seed, 0 if half == "tuning" else 1])
    for plan in plans(half, files, rng, len(library.genders)):
        cast = pick_cast(plan, library.genders, rng)
        yield library.conversation(plan.uri, cast, plan.minutes, seed, plan.overlap_rate)


def hash_uri(uri: str) -> int:
    return sum(ord(c) * 31**i for i, c in enumerate(uri)) % 2**31


def transcripts(pool: list[Utterance], cache: Path) -> dict[str, list[list]]:
    """Utterance id -> [[start, end, word], ...] from faster-whisper base, each utterance transcribed alone (cached)."""
    known = json.loads(cache.read_text()) if cache.exists() else {}
    missing = [u for u in pool if u.id not in known]
    if missing:
        from faster_whisper import WhisperModel

        models = Path(os.environ.get("CASTSCRIPT_MODELS", MEDIA.parent / "models"))
        model = WhisperModel(str(models / "faster-whisper-base"), device="cpu", compute_type="int8", cpu_threads=2)
        cache.parent.mkdir(parents=True, exist_ok=True)
        for number, u in enumerate(missing, 1):
            segments, _ = model.transcribe(str(u.path), language="en", beam_size=5, word_timestamps=True)
            known[u.id] = [[round(w.start, 3), round(w.end, 3), w.word.strip()] for s in segments for w in s.words]
            if number % 10 == 0 or number == len(missing):
                cache.write_text(json.dumps(known, indent=0))
    return known


def phrase_text(phrase: Phrase, words: list[list]) -> str:
    return " ".join(w for s, e, w in words if phrase.start <= (s + e) / 2 < phrase.end)


def write_half(out: Path, half: str, items: list[Conversation]) -> None:
    """Audio, RTTM and manifest of one half (the lines' phrases kept for the STM)."""
    folder = out / half
    folder.mkdir(parents=True, exist_ok=True)
    rttm, manifest = [], []
    for c in items:
        write_wav(folder / f"{c.uri}.wav", c.audio)
        rttm += [f"SPEAKER {c.uri} 1 {s:.3f} {e - s:.3f} <NA> <NA> {who} <NA> <NA>\n" for s, e, who in merge_turns(c.turns, PAUSE)]
        speech = {s: sum(e - b for b, e, w in c.turns if w == s) for s in c.speakers}
        lines = [[start, end, who, [[p.utterance.id, p.start, p.end] for p in run]] for start, end, who, run in c.lines]
        manifest.append({"uri": c.uri, "speakers": c.speakers, "genders": c.genders, "seconds": round(len(c.audio) / SAMPLE_RATE, 1),
                         "overlap": round(c.overlap, 3), "share": {s: round(v / sum(speech.values()), 3) for s, v in speech.items()},
                         "lines": lines})
    (folder / f"{half}.rttm").write_text("".join(rttm))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))


def write_stm(out: Path, half: str, words: dict[str, list[list]]) -> None:
    """Reference text per placed run of phrases: the words of each phrase's utterance whose middles fall inside it."""
    stm = []
    for c in json.loads((out / half / "manifest.json").read_text()):
        for start, end, who, run in c["lines"]:
            text = " ".join(w for uid, a, b in run for s, e, w in words[uid] if a <= (s + e) / 2 < b)
            if text:
                stm.append(f"{c['uri']} 1 {who} {start:.3f} {end:.3f} {text}\n")
    (out / half / f"{half}.stm").write_text("".join(stm))


def build(out: Path = DEFAULT_OUT, seed: int = 18, files: int = 20, text: bool = True) -> Path:
    """Build (or keep, when built with the same settings) both halves under ``out``: audio and RTTM first, then
    (``text``) the reference text, so a half-built text reference never blocks the audio."""
    stamp = {"version": VERSION, "seed": seed, "files": files}
    stamp_file = out / "stamp.json"
    if not (stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp):
        for half in ("tuning", "test"):
            write_half(out, half, list(conversations(half, files, seed)))
        stamp_file.write_text(json.dumps(stamp))
    if text and not all((out / half / f"{half}.stm").exists() for half in ("tuning", "test")):
        words = transcripts(utterances(), out / "transcripts.json")
        for half in ("tuning", "test"):
            write_stm(out, half, words)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--files", type=int, default=20, help="conversations per half")
    parser.add_argument("--no-text", action="store_true", help="audio and RTTM only (no faster-whisper)")
    args = parser.parse_args()
    build(args.out, args.seed, args.files, text=not args.no_text)
    for half in ("tuning", "test"):
        manifest = json.loads((args.out / half / "manifest.json").read_text())
        minutes = sum(m["seconds"] for m in manifest) / 60
        print(f"{half}: {len(manifest)} files, {minutes:.1f} min, speakers {sorted(len(m['speakers']) for m in manifest)}, "
              f"overlap {min(m['overlap'] for m in manifest):.1%}-{max(m['overlap'] for m in manifest):.1%}")


if __name__ == "__main__":
    main()
