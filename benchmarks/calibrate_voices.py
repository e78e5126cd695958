"""Calibrate the voice-identification threshold: cosine scores of enrolled voices against diarized speakers.

    CASTSCRIPT_MODELS=../shared/models CASTSCRIPT_MEDIA=../shared/media python benchmarks/calibrate_voices.py

(about 3 minutes on 2 cores; CASTSCRIPT_VOICE_THRESHOLD=X also reports the rates at X.)

Synthetic: ANNA, BEN and CARL (pitch-shifted espeak-ng voices) are enrolled from their lines of one dialogue; two more
dialogues with other sentences (not those of the tests) go through the pipeline (told there are 3 speakers), and every diarized speaker's
embedding is scored against every enrolled voice (same voice / different voice, by the reference turns).
Real speech: each speaker of the AMI and pyannote samples enrolled from the first half of their non-overlapped turns
and scored against the second half (same) and the other speakers' second halves (different).
Real voices in conversations (LibriSpeech, the halves of benchmarks/devset.py): in each half, each voice's utterances
are split in two folds (alternate utterances); every voice of the half is enrolled from one fold's utterances and
simulated conversations (devset's builder) are made from the other fold's, then the folds swap, so no enrolment audio
is ever heard in a scored conversation. castscript's diarization (default options, unknown speaker count) runs on each
conversation; diarized speakers are mapped to reference speakers (pyannote.metrics' optimal mapping) and each one's
centroid is scored against every enrolled voice of the half. The tuning half (6 voices, their tuning utterances)
chooses the threshold: the one (0.01 grid) of least expected cost, false rejects + 10 x false accepts, under the
smoothed (Gaussian KDE) same- and different-voice score distributions, so that a handful of extreme scores does not
decide. The test half (the other utterances of those 6 voices, and 4 voices never heard in the tuning half) only
reports.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pyannote.metrics.diarization import DiarizationErrorRate
from scipy.stats import gaussian_kde
from sklearn.metrics import roc_curve

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devset  # noqa: E402

from castscript.diarization import Diarizer, SpeakerEmbedder  # noqa: E402
from castscript.document import Document, MediaInfo, SpeakerTurn  # noqa: E402
from castscript.evaluation import annotation  # noqa: E402
from castscript.media import SAMPLE_RATE, decode_audio  # noqa: E402
from castscript.pipeline import PipelineOptions, SpeakerOptions, run_pipeline  # noqa: E402
from castscript.speakers import speakers_of  # noqa: E402
from castscript.synthetic import ANNA, BEN, CARL, Line, dialogue, write_wav  # noqa: E402
from castscript.voices import (  # noqa: E402
    VoiceLibrary, default_threshold, enroll_files, identify_speakers, voice_embedder, voice_embedding,
)

FOLDS = 2
CONVERSATIONS = 12
"""Simulated conversations per half and fold (2-7 speakers, 1-2 minutes, one of 5.5 minutes)."""
SEED = 18
FALSE_ACCEPT_COST = 10
"""A wrong name costs as much as this many missing names (a missing name shows; a wrong one misleads)."""

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
    embedder = voice_embedder()
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


@dataclass
class Trial:
    """One diarized conversation: its speakers (with centroids), the enrolled library, and who is who."""

    document: Document
    library: Path
    truth: dict[str, str]
    """Diarized label -> reference voice (optimal mapping; unmapped labels are absent)."""


@dataclass(frozen=True)
class Pair:
    score: float
    speaker: str
    """The diarized speaker's reference voice."""
    enrolled: str
    seconds: float
    """The diarized speaker's speech."""


@dataclass
class HalfScores:
    pairs: list[Pair] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    missed: int = 0
    """Reference speakers that no diarized speaker maps to."""
    references: int = 0
    enrolment_seconds: list[float] = field(default_factory=list)

    @property
    def same(self) -> list[float]:
        return [p.score for p in self.pairs if p.speaker == p.enrolled]

    @property
    def different(self) -> list[float]:
        return [p.score for p in self.pairs if p.speaker != p.enrolled]

    def involving(self, voices: tuple[str, ...]) -> HalfScores:
        """The pairs where the diarized speaker or the enrolled voice is one of ``voices``."""
        return HalfScores([p for p in self.pairs if p.speaker in voices or p.enrolled in voices])


def folds(pool: list[devset.Utterance]) -> list[dict[str, list[devset.Utterance]]]:
    """Per fold: voice -> its enrolment utterances (every other utterance, the fold-th first)."""
    voices = sorted({u.speaker for u in pool})
    return [{v: [u for u in pool if u.speaker == v][fold::FOLDS] for v in voices} for fold in range(FOLDS)]


def voice_scores(half: str, scratch: Path, diarizer: Diarizer) -> HalfScores:
    """Enrol every voice of ``half`` from one fold, score the diarized speakers of conversations made of the other."""
    library = devset.Library(half)
    phrases = library.phrases
    out = HalfScores()
    for fold, enrolment in enumerate(folds(devset.split_halves(devset.utterances())[half])):
        voices = VoiceLibrary(scratch / f"{half}{fold}.sqlite")
        for voice, own in enrolment.items():
            out.enrolment_seconds.append(enroll_files(voice, [u.path for u in own], voices).speech_seconds)
        held = {u.id for own in enrolment.values() for u in own}
        library.phrases = {v: [p for p in ps if p.utterance.id not in held] for v, ps in phrases.items()}
        rng = np.random.default_rng([SEED, half == "test", fold])
        for plan in devset.plans(f"{half}{fold}-", CONVERSATIONS, rng, len(library.genders)):
            conversation = library.conversation(plan.uri, devset.pick_cast(plan, library.genders, rng), plan.minutes, SEED, plan.overlap_rate)
            assert not held & {p.utterance.id for *_, run in conversation.lines for p in run}
            score_conversation(conversation, diarizer, voices, out)
    library.phrases = phrases
    return out


def score_conversation(conversation: devset.Conversation, diarizer: Diarizer, voices: VoiceLibrary, out: HalfScores) -> None:
    result = diarizer(conversation.audio)
    reference = annotation([SpeakerTurn(*t) for t in conversation.turns], conversation.uri)
    truth = DiarizationErrorRate().optimal_mapping(reference, annotation(result.turns, conversation.uri))
    out.references += len(conversation.speakers)
    out.missed += len(set(conversation.speakers) - set(truth.values()))
    document = Document(MediaInfo(conversation.uri, len(conversation.audio) / SAMPLE_RATE), speakers=speakers_of(result))
    enrolled = voices.voices()
    for label, speaker in document.speakers.items():
        if label in truth:
            vector = np.asarray(speaker.embedding)
            out.pairs += [Pair(float(v.embedding @ vector), truth[label], v.name, speaker.speech_seconds) for v in enrolled]
    out.trials.append(Trial(document, voices.path, truth))


def rates(same: list[float], different: list[float], threshold: float) -> tuple[float, float]:
    """(false accepts: share of different pairs at or above, false rejects: share of same pairs below)."""
    return float(np.mean(np.array(different) >= threshold)), float(np.mean(np.array(same) < threshold))


def equal_error_rate(same: list[float], different: list[float]) -> tuple[float, float]:
    """(EER, the threshold where false accepts and false rejects meet)."""
    fpr, tpr, thresholds = roc_curve([1] * len(same) + [0] * len(different), same + different)
    best = int(np.argmin(np.abs(fpr - (1 - tpr))))
    return float((fpr[best] + 1 - tpr[best]) / 2), float(thresholds[best])


def chosen_threshold(scores: HalfScores) -> float:
    """The threshold (0.01 grid) of least expected false rejects + FALSE_ACCEPT_COST x false accepts, both read from
    Gaussian kernel density estimates of the same- and different-voice scores."""
    same, different = gaussian_kde(scores.same), gaussian_kde(scores.different)
    grid = np.round(np.arange(0.30, 0.96, 0.01), 2)
    costs = [same.integrate_box_1d(-2, t) + FALSE_ACCEPT_COST * different.integrate_box_1d(t, 2) for t in grid]
    return float(grid[int(np.argmin(costs))])


def identification(scores: HalfScores, threshold: float) -> str:
    """What castscript's identification (one-to-one, every voice of the half enrolled) names the diarized speakers."""
    right = wrong = unnamed = extra = 0
    for trial in scores.trials:
        found = {f.label: f.name for f in identify_speakers(trial.document, trial.library, threshold)}
        for label in trial.document.speakers:
            if label not in trial.truth:
                extra += label in found
            elif label not in found:
                unnamed += 1
            elif found[label] == trial.truth[label]:
                right += 1
            else:
                wrong += 1
    return f"{right} named right, {wrong} named wrong, {unnamed} left unnamed, {extra} extra speakers named"


def report(half: str, scores: HalfScores, threshold: float) -> None:
    def spread(values: list[float]) -> str:
        low, q05, median, q95, high = np.percentile(values, [0, 5, 50, 95, 100])
        return f"{low:.3f} / {q05:.3f} / {median:.3f} / {q95:.3f} / {high:.3f} (n={len(values)})"

    eer, at = equal_error_rate(scores.same, scores.different)
    extra = sum(len(set(t.document.speakers) - set(t.truth)) for t in scores.trials)
    print(f"{half}: {len(scores.trials)} conversations, {scores.missed} of {scores.references} reference speakers "
          f"not found by diarization, {extra} extra diarized speakers (mapped to nobody, not scored), enrolment {min(scores.enrolment_seconds):.1f}-{max(scores.enrolment_seconds):.1f} s of speech")
    print(f"  same voice      min / 5 % / median / 95 % / max: {spread(scores.same)}")
    print(f"  different voice min / 5 % / median / 95 % / max: {spread(scores.different)}")
    print(f"  EER {eer:.1%} (at {at:.3f})")
    low = sorted((p.score, p.seconds) for p in scores.pairs if p.speaker == p.enrolled)[:4]
    print("  lowest same-voice scores (the speaker's seconds of speech): " + ", ".join(f"{a:.3f} ({b:.1f} s)" for a, b in low))
    for t in sorted({threshold, default_threshold()}):
        fa, fr = rates(scores.same, scores.different, t)
        print(f"  at {t:.2f}: false accepts {fa:.1%}, false rejects {fr:.1%}; {identification(scores, t)}")


def float_against_int8(pool: list[devset.Utterance]) -> str:
    """Cosine between each utterance's voice from the float CAM++ and from the int8 one (one model tag covers both)."""
    float_model, int8_model = SpeakerEmbedder(), voice_embedder()
    cosines = []
    for utterance in pool:
        audio = decode_audio(utterance.path)
        cosines.append(float(voice_embedding(audio, float_model)[0] @ voice_embedding(audio, int8_model)[0]))
    return f"float vs int8 CAM++ voice of one utterance: cosine {min(cosines):.4f}-{max(cosines):.4f}, median {np.median(cosines):.4f} (n={len(cosines)})"


def describe(name: str, same: list[float], different: list[float]) -> None:
    print(f"{name}: same voice {min(same):.3f}-{max(same):.3f} (n={len(same)}), "
          f"different voices {min(different):.3f}-{max(different):.3f} (n={len(different)})")


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("CASTSCRIPT_CACHE", str(Path(scratch) / "cache"))
        describe("synthetic (enrolled clips vs diarized speakers)", *synthetic_scores(Path(scratch)))
        describe("real (AMI + pyannote sample, first vs second half)", *real_scores(Path(os.environ["CASTSCRIPT_MEDIA"])))
        print(float_against_int8(devset.split_halves(devset.utterances())["tuning"]))
        diarizer = Diarizer()
        tuning = voice_scores("tuning", Path(scratch), diarizer)
        threshold = chosen_threshold(tuning)
        print(f"LibriSpeech voices in simulated conversations; the tuning half's threshold of least expected false rejects "
              f"+ {FALSE_ACCEPT_COST} x false accepts: {threshold:.2f} (in use: {default_threshold()})")
        report("tuning half (6 voices)", tuning, threshold)
        test = voice_scores("test", Path(scratch), diarizer)
        report("test half (6 voices' other utterances + 4 unseen voices)", test, threshold)
        unseen = test.involving(devset.TEST_ONLY_VOICES)
        fa, fr = rates(unseen.same, unseen.different, threshold)
        print(f"  pairs of the 4 unseen voices: same {min(unseen.same):.3f}-{max(unseen.same):.3f} (n={len(unseen.same)}), "
              f"different {min(unseen.different):.3f}-{max(unseen.different):.3f} (n={len(unseen.different)}); "
              f"at {threshold:.2f}: false accepts {fa:.1%}, false rejects {fr:.1%}")
    print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
