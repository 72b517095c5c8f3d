//! The PBKDF2-HMAC-SHA256 iteration loop for sixteen passwords in the lanes of AVX-512 registers; `unsafe` with its invariant.
//!
//! SHA-256 runs in software: each `__m512i` holds one 32-bit word of the state or of the message
//! schedule for sixteen independent passwords (lane `i` is password `i`), so one instruction does
//! one step of sixteen hashes. As in `shani.rs`, each iteration is exactly two compressions of
//! pre-padded blocks resumed from the HMAC pad states, which are computed once per password.
//! Groups of fewer than sixteen fill the unused lanes with copies of their last password.

use core::arch::x86_64::{
    __m512i, _mm512_add_epi32, _mm512_cvtsi512_si32, _mm512_permutexvar_epi32, _mm512_ror_epi32,
    _mm512_set_epi32, _mm512_set1_epi32, _mm512_setzero_si512, _mm512_srli_epi32,
    _mm512_ternarylogic_epi32, _mm512_xor_si512,
};

use crate::auth::pbkdf2::{INITIAL_STATE, LaneInput, RESUMED_BIT_LEN, ROUND_CONSTANTS, WORDS};

/// Passwords one call hashes side by side: the 32-bit lanes of a 512-bit register.
pub const MAX_LANES: usize = 16;

/// `vpternlogd` truth tables (operands a, b, c = bits 0xF0, 0xCC, 0xAA).
const XOR3: i32 = 0x96;
/// `a ? b : c`, SHA-256's Ch.
const CHOOSE: i32 = 0xCA;
/// Majority of a, b, c, SHA-256's Maj.
const MAJORITY: i32 = 0xE8;

/// True when this CPU runs the AVX-512 path (the instructions `derive_lanes` is compiled for).
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// Runs the iteration loop for `lanes` (1 to [`MAX_LANES`]) and returns each lane's derived words.
///
/// Panics when the CPU lacks AVX-512F; the caller chooses this engine only after [`available`].
pub fn derive(lanes: &[LaneInput], iterations: u32) -> Vec<[u32; WORDS]> {
    assert!(available(), "the AVX-512 engine needs a CPU with AVX-512F");
    assert!(
        (1..=MAX_LANES).contains(&lanes.len()),
        "the AVX-512 engine takes 1 to {MAX_LANES} passwords at once"
    );
    let filled: [&LaneInput; MAX_LANES] =
        std::array::from_fn(|lane| &lanes[lane.min(lanes.len() - 1)]);
    // SAFETY: `derive_lanes` only requires that the CPU supports the target feature it is compiled
    // with (avx512f); the assertion above checked exactly that with `available()`. It takes plain
    // references and values and touches no raw pointers, so nothing else can go wrong.
    let words = unsafe { derive_lanes(&filled, iterations) };
    words[..lanes.len()].to_vec()
}

/// Eight SHA-256 words (a state or a digest) of every lane.
type Words = [__m512i; WORDS];
/// One 64-byte block of every lane: message word `t` of lane `i` in lane `i` of element `t`.
type Block = [__m512i; 16];

/// Word `word` of every lane's `field`, lane `i` from `lanes[i]`.
#[target_feature(enable = "avx512f")]
fn gather(
    lanes: &[&LaneInput; MAX_LANES],
    field: fn(&LaneInput) -> &[u32],
    word: usize,
) -> __m512i {
    let lane = |i: usize| field(lanes[i])[word].cast_signed();
    _mm512_set_epi32(
        lane(15),
        lane(14),
        lane(13),
        lane(12),
        lane(11),
        lane(10),
        lane(9),
        lane(8),
        lane(7),
        lane(6),
        lane(5),
        lane(4),
        lane(3),
        lane(2),
        lane(1),
        lane(0),
    )
}

#[target_feature(enable = "avx512f")]
fn splat(word: u32) -> __m512i {
    _mm512_set1_epi32(word.cast_signed())
}

/// `x ⋙ FIRST ⊕ x ⋙ SECOND ⊕ third`, the shape all four sigma functions share.
#[target_feature(enable = "avx512f")]
#[inline]
fn rotations_xor<const FIRST: i32, const SECOND: i32>(x: __m512i, third: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<XOR3>(
        _mm512_ror_epi32::<FIRST>(x),
        _mm512_ror_epi32::<SECOND>(x),
        third,
    )
}

/// Σ0 (rotations 2, 13, 22) and Σ1 (6, 11, 25) of the compression rounds.
#[target_feature(enable = "avx512f")]
#[inline]
fn big_sigma<const A: i32, const B: i32, const C: i32>(x: __m512i) -> __m512i {
    rotations_xor::<A, B>(x, _mm512_ror_epi32::<C>(x))
}

/// σ0 (rotations 7, 18, shift 3) and σ1 (17, 19, 10) of the message schedule.
#[target_feature(enable = "avx512f")]
#[inline]
fn small_sigma<const A: i32, const B: i32, const SHIFT: u32>(x: __m512i) -> __m512i {
    rotations_xor::<A, B>(x, _mm512_srli_epi32::<SHIFT>(x))
}

/// One round: `$d` and `$h` take their new values; the caller rotates the names for the next round.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $kw:expr) => {
        let t1 = _mm512_add_epi32(
            _mm512_add_epi32($h, $kw),
            _mm512_add_epi32(
                big_sigma::<6, 11, 25>($e),
                _mm512_ternarylogic_epi32::<CHOOSE>($e, $f, $g),
            ),
        );
        let t2 = _mm512_add_epi32(
            big_sigma::<2, 13, 22>($a),
            _mm512_ternarylogic_epi32::<MAJORITY>($a, $b, $c),
        );
        $d = _mm512_add_epi32($d, t1);
        $h = _mm512_add_epi32(t1, t2);
    };
}

/// Sixteen rounds on message words `$w[0..16]` with the round constants `$k` (16); when `$schedule`
/// is true each word first becomes the schedule's next one (`W[t] = σ1(W[t-2]) + W[t-7] +
/// σ0(W[t-15]) + W[t-16]`, the ring of sixteen holding `W[t-16..t]`).
macro_rules! sixteen_rounds {
    ($s:ident, $w:ident, $k:expr, $schedule:expr) => {
        let constants: &[u32; 16] = $k;
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = $s;
        let mut word = |j: usize| {
            if $schedule {
                $w[j] = _mm512_add_epi32(
                    _mm512_add_epi32(
                        small_sigma::<17, 19, 10>($w[(j + 14) % 16]),
                        $w[(j + 9) % 16],
                    ),
                    _mm512_add_epi32(small_sigma::<7, 18, 3>($w[(j + 1) % 16]), $w[j]),
                );
            }
            _mm512_add_epi32($w[j], splat(constants[j]))
        };
        round!(a, b, c, d, e, f, g, h, word(0));
        round!(h, a, b, c, d, e, f, g, word(1));
        round!(g, h, a, b, c, d, e, f, word(2));
        round!(f, g, h, a, b, c, d, e, word(3));
        round!(e, f, g, h, a, b, c, d, word(4));
        round!(d, e, f, g, h, a, b, c, word(5));
        round!(c, d, e, f, g, h, a, b, word(6));
        round!(b, c, d, e, f, g, h, a, word(7));
        round!(a, b, c, d, e, f, g, h, word(8));
        round!(h, a, b, c, d, e, f, g, word(9));
        round!(g, h, a, b, c, d, e, f, word(10));
        round!(f, g, h, a, b, c, d, e, word(11));
        round!(e, f, g, h, a, b, c, d, word(12));
        round!(d, e, f, g, h, a, b, c, word(13));
        round!(c, d, e, f, g, h, a, b, word(14));
        round!(b, c, d, e, f, g, h, a, word(15));
        $s = [a, b, c, d, e, f, g, h];
    };
}

/// Compresses one block per lane from `start`. Rounds 16 to 63 run as a loop over the round
/// constants, which keeps the code small (fully unrolled measured no faster here).
#[target_feature(enable = "avx512f")]
#[inline]
fn compress(start: &Words, block: &Block) -> Words {
    let mut w = *block;
    let mut state = *start;
    let (constants, _) = ROUND_CONSTANTS.as_chunks::<16>();
    sixteen_rounds!(state, w, &constants[0], false);
    for later in &constants[1..] {
        sixteen_rounds!(state, w, later, true);
    }
    for (word, before) in state.iter_mut().zip(start) {
        *word = _mm512_add_epi32(*word, *before);
    }
    state
}

/// A block resumed from a pad state with a 32-byte digest: `digest, 0x80, zeros, bit length`.
#[target_feature(enable = "avx512f")]
#[inline]
fn digest_block(digest: &Words) -> Block {
    let zero = _mm512_setzero_si512();
    let mut block = [zero; 16];
    block[..WORDS].copy_from_slice(digest);
    block[WORDS] = splat(0x8000_0000);
    block[15] = splat(RESUMED_BIT_LEN);
    block
}

#[target_feature(enable = "avx512f")]
fn derive_lanes(lanes: &[&LaneInput; MAX_LANES], iterations: u32) -> [[u32; WORDS]; MAX_LANES] {
    let initial: Words = std::array::from_fn(|word| splat(INITIAL_STATE[word]));
    let inner_block: Block = std::array::from_fn(|word| gather(lanes, |l| &l.inner_pad, word));
    let outer_block: Block = std::array::from_fn(|word| gather(lanes, |l| &l.outer_pad, word));
    let inner_pad = compress(&initial, &inner_block);
    let outer_pad = compress(&initial, &outer_block);
    let mut u: Words = std::array::from_fn(|word| gather(lanes, |l| &l.first_u, word));
    let mut sum = u;
    for _ in 1..iterations {
        let inner = compress(&inner_pad, &digest_block(&u));
        u = compress(&outer_pad, &digest_block(&inner));
        for (total, word) in sum.iter_mut().zip(&u) {
            *total = _mm512_xor_si512(*total, *word);
        }
    }
    let mut out = [[0u32; WORDS]; MAX_LANES];
    for (lane, words) in out.iter_mut().enumerate() {
        let index = _mm512_set1_epi32(lane as i32);
        for (word, vector) in words.iter_mut().zip(&sum) {
            *word = _mm512_cvtsi512_si32(_mm512_permutexvar_epi32(index, *vector)).cast_unsigned();
        }
    }
    out
}
