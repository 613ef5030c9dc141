"""The language codes Whisper accepts, without importing faster-whisper (so ``--language``
is checked when the command line is read, not after the audio is loaded)."""

from __future__ import annotations

#: faster-whisper 1.2.1's ``tokenizer._LANGUAGE_CODES``, copied so the check is instant;
#: tests/test_cli_errors.py fails when the pinned faster-whisper differs.
WHISPER_LANGUAGES = (
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw "
    "he hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt "
    "my ne nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl "
    "tr tt uk ur uz vi yi yo zh yue"
).split()

#: Whisper's language names (openai-whisper's ``tokenizer.LANGUAGES``, code → name, in its
#: order) and the aliases its ``TO_LANGUAGE_CODE`` adds; ``whisper --language English`` and
#: ``get_tokenizer(language="Mandarin")`` take these, lower-cased. faster-whisper itself
#: takes codes only, so a name is mapped here before it reaches the decoder.
_NAMES = (
    "en english|zh chinese|de german|es spanish|ru russian|ko korean|fr french|ja japanese|"
    "pt portuguese|tr turkish|pl polish|ca catalan|nl dutch|ar arabic|sv swedish|it italian|"
    "id indonesian|hi hindi|fi finnish|vi vietnamese|he hebrew|uk ukrainian|el greek|ms malay|"
    "cs czech|ro romanian|da danish|hu hungarian|ta tamil|no norwegian|th thai|ur urdu|"
    "hr croatian|bg bulgarian|lt lithuanian|la latin|mi maori|ml malayalam|cy welsh|sk slovak|"
    "te telugu|fa persian|lv latvian|bn bengali|sr serbian|az azerbaijani|sl slovenian|"
    "kn kannada|et estonian|mk macedonian|br breton|eu basque|is icelandic|hy armenian|"
    "ne nepali|mn mongolian|bs bosnian|kk kazakh|sq albanian|sw swahili|gl galician|mr marathi|"
    "pa punjabi|si sinhala|km khmer|sn shona|yo yoruba|so somali|af afrikaans|oc occitan|"
    "ka georgian|be belarusian|tg tajik|sd sindhi|gu gujarati|am amharic|yi yiddish|lo lao|"
    "uz uzbek|fo faroese|ht haitian creole|ps pashto|tk turkmen|nn nynorsk|mt maltese|"
    "sa sanskrit|lb luxembourgish|my myanmar|bo tibetan|tl tagalog|mg malagasy|as assamese|"
    "tt tatar|haw hawaiian|ln lingala|ha hausa|ba bashkir|jw javanese|su sundanese|yue cantonese|"
    # the aliases of TO_LANGUAGE_CODE
    "my burmese|ca valencian|nl flemish|ht haitian|lb letzeburgesch|ps pushto|pa panjabi|"
    "ro moldavian|ro moldovan|si sinhalese|es castilian|zh mandarin"
)
#: Whisper language name (lower case) → code: "english" → "en", "mandarin" → "zh".
WHISPER_LANGUAGE_NAMES = {name: code for code, _, name in (p.partition(" ") for p in _NAMES.split("|"))}


def to_language_code(value: str) -> str | None:
    """A Whisper language code or name, any case ("ZH", "English", "mandarin", "Haitian
    Creole") → its code; None when it is neither."""
    key = " ".join(value.split()).lower()
    if key in WHISPER_LANGUAGES:
        return key
    return WHISPER_LANGUAGE_NAMES.get(key)
