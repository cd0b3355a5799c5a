"""Which topics a comment's words name: jieba segmentation against one rule set's keywords.

A comment gets a topic when one of the topic's keywords is one of its words. "Word" is what
jieba's precise mode cuts, widened in two ways, and narrowed by nothing else:

- a keyword that is a dictionary word *inside* a longer word counts (态度 in 态度恶劣, 停车 in
  停车位, 收费 in 乱收费): jieba's search mode lists those sub-words of every long word;
- a keyword jieba cuts into several words counts when those words stand next to each other
  in the comment (办事/效率 for 办事效率, 12345/热线 for 12345热线).

A keyword whose characters straddle a word boundary does not count: 排队 is not in 安排队伍
(安排/队伍), which plain substring search would get wrong. The keywords also join the
dictionary of the rule set's own tokenizer, with the frequency jieba suggests for keeping a
word whole, so a keyword jieba does not know (乱停车, 12345热线) is cut out as one word and
is a sub-word candidate inside longer ones.

Each rule set gets its own ``jieba.Tokenizer`` over a copy of the default dictionary (copied
from one loaded base, about 10 ms), never ``jieba.add_word`` on the shared default tokenizer:
keywords of one evaluation must not change how another evaluation's comments are cut, nor
linger after the rules change.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import jieba

# jieba logs its dictionary loading at DEBUG on its own stderr handler.
logging.getLogger("jieba").setLevel(logging.WARNING)

_base: jieba.Tokenizer | None = None
_base_lock = threading.Lock()


def _base_tokenizer() -> jieba.Tokenizer:
    """The default dictionary, loaded once per process (about half a second)."""
    global _base
    with _base_lock:
        if _base is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _base = tokenizer
        return _base


def normalise(text: str) -> str:
    """Full-width letters and digits as ASCII, Latin letters in lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class TopicKeywords:
    topic_id: int
    keywords: tuple[str, ...]


@dataclass
class TopicMatcher:
    """The topics of comments under one rule set; build with ``build_matcher``."""

    rules: tuple[TopicKeywords, ...]
    tokenizer: jieba.Tokenizer | None
    # Every keyword, to skip segmenting the comments that contain none of them at all.
    any_keyword: re.Pattern[str] | None
    by_keyword: dict[str, set[int]] = field(default_factory=dict)

    def words(self, text: str) -> set[str]:
        """The comment's words: precise-mode words, their dictionary sub-words, and every run
        of consecutive precise-mode words joined (up to the longest keyword's length)."""
        if self.tokenizer is None:
            return set()
        text = normalise(text)
        tokens = self.tokenizer.lcut(text, HMM=False)
        found = set(tokens)
        # The sub-words jieba's search mode adds (``cut_for_search``), from the same cut
        # rather than a second one: the 2- and 3-character dictionary words inside a word.
        freq = self.tokenizer.FREQ
        for token in tokens:
            for size in (2, 3):
                if len(token) > size:
                    found.update(
                        token[i : i + size]
                        for i in range(len(token) - size + 1)
                        if freq.get(token[i : i + size])
                    )
        longest = max((len(k) for k in self.by_keyword), default=0)
        for start in range(len(tokens)):
            joined = tokens[start]
            for token in tokens[start + 1 :]:
                joined += token
                if len(joined) > longest:
                    break
                found.add(joined)
        return found

    def topics_of(self, text: str) -> set[int]:
        """The ids of the topics one of whose keywords is among the comment's words."""
        if self.any_keyword is None or not self.any_keyword.search(normalise(text)):
            return set()
        topics: set[int] = set()
        for word in self.words(text) & self.by_keyword.keys():
            topics |= self.by_keyword[word]
        return topics


def keyword_list(text: str) -> list[str]:
    """Keywords as the office types them: one a line, or separated by commas, 、 or spaces;
    normalised, duplicates dropped, order kept."""
    parts = re.split(r"[\s,，、;；]+", normalise(text))
    return list(dict.fromkeys(p for p in parts if p))


def build_matcher(rules: Iterable[TopicKeywords]) -> TopicMatcher:
    """A matcher with a tokenizer of its own whose dictionary holds the rules' keywords."""
    kept = tuple(rules)
    by_keyword: dict[str, set[int]] = {}
    for rule in kept:
        for word in rule.keywords:
            by_keyword.setdefault(normalise(word), set()).add(rule.topic_id)
    if not by_keyword:
        return TopicMatcher(kept, None, None, {})
    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in sorted(by_keyword):
        # Never 0: a zero frequency would make jieba force-split the word, in a table of
        # its HMM module that every tokenizer shares.
        tokenizer.add_word(word, max(1, tokenizer.suggest_freq(word)))
    pattern = re.compile("|".join(re.escape(w) for w in sorted(by_keyword, key=len)))
    return TopicMatcher(kept, tokenizer, pattern, by_keyword)


def topics_by_text(matcher: TopicMatcher, texts: Sequence[str]) -> list[set[int]]:
    """``topics_of`` for many comments, in order."""
    return [matcher.topics_of(t) for t in texts]
