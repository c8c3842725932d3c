"""The body clean-up's block walk: leaf blocks, and block texts kept between its passes."""
from extractors.blocks import drop_block, leaf_blocks, text_of
from extractors.parse import parse_fragment

NESTED = ("<div><p>one</p><table><tr><td><p>cell para</p></td><td>bare cell</td></tr></table>"
          "<ul><li>item <b>bold</b></li><li><p>item para</p></li></ul>"
          "<blockquote>quote <h3>inner heading</h3> tail</blockquote><pre>code</pre></div>")


def test_leaf_blocks_are_the_blocks_without_inner_blocks_in_document_order():
    root = parse_fragment(NESTED)
    got = [(b.tag, b.text_content().strip()) for b in leaf_blocks(root)]
    assert got == [("p", "one"), ("p", "cell para"), ("td", "bare cell"), ("li", "item bold"), ("p", "item para"),
                   ("blockquote", "quote inner heading tail"), ("h3", "inner heading"), ("pre", "code")]


def test_a_dropped_block_refreshes_the_kept_text_of_the_block_around_it():
    root = parse_fragment(NESTED)
    quote, heading = [b for b in leaf_blocks(root) if b.tag in ("blockquote", "h3")]
    texts: dict = {}
    assert text_of(quote, texts) == ("quote inner heading tail", 21)
    drop_block(heading, texts)
    assert text_of(quote, texts) == ("quote tail", 9)
