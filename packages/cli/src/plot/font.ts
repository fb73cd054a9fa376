/**
 * A 5×9 bitmap font for printable ASCII (32..126), drawn for this project: rows 0–6 hold the
 * capitals (row 6 is the baseline), rows 7–8 the descenders. Each glyph is 9 characters, one per
 * row; a character is a base-32 digit (0-9a-v) whose 5 bits are the row's pixels, left pixel in
 * the highest bit. Characters outside the range are drawn as '?'.
 */
const GLYPHS =
  '000000000444440400aa0000000aavavaa004fke5u400op248j300cik8lid00440000000' +
  '24888420084222480004lel4000044v44000000006648000v0000000000cc00122488g00' +
  'ehjlphe004c4444e00eh1248v00v2421he0026aiv2200vgu11he0068guhhe00v12488800' +
  'ehhehhe00ehhf12c000cc0cc0000cc0cc800248g8420000v0v0000842124800eh1240400' +
  'ehnlngf00ehhvhhh00uhhuhhu00ehggghe00sihhhis00vgguggv00vgguggg00ehgnhhf00' +
  'hhhvhhh00e44444e0072222ic00hikokih00ggggggv00hrllhhh00hhpljhh00ehhhhhe00' +
  'uhhuggg00ehhhlid00uhhukih00fgge11u00v44444400hhhhhhe00hhhhha400hhhllla00' +
  'hha4ahh00hha444400v1248gv00e88888e00g88422100e22222e004ah0000000000000v0' +
  '84000000000e1fhf00gguhhhu0000egghe0011fhhhf0000ehvge00698s8880000fhhf1he' +
  'ggmphhh0040c444e002062222icggikoki00c44444e0000qlllh0000mphhh0000ehhhe00' +
  '00uhhhugg00fhhhf1100mpggg0000fge1u0088s88960000hhhjd0000hhha40000hhlla00' +
  '00ha4ah0000hhhf1he00v248v00244844200444444400844244800008l20000';

export const GLYPH_W = 5;
export const GLYPH_H = 9;
/** Rows above the baseline (the capital height). */
export const CAP_H = 7;
/** Horizontal advance per character, in font pixels. */
export const ADVANCE = 6;

/** The glyph of one character: 9 rows of 5-bit masks. */
export function glyph(ch: string): number[] {
  let c = ch.charCodeAt(0);
  if (!(c >= 32 && c <= 126)) c = 63;
  const s = GLYPHS.slice((c - 32) * GLYPH_H, (c - 31) * GLYPH_H);
  return Array.from(s, (d) => parseInt(d, 32));
}
