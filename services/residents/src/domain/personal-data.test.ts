import {
  birthDateOfIdCard,
  idCardCheckDigit,
  isValidIdCardNumber,
  isValidPhone,
  maskIdCardNumber,
  maskPhone,
} from './personal-data';

describe('personal data rules', () => {
  const valid = (first17: string) => `${first17}${idCardCheckDigit(first17)}`;
  const wrongCheck = (first17: string) =>
    `${first17}${idCardCheckDigit(first17) === '0' ? '1' : '0'}`;

  it('when the check digit is computed for the GB 11643 sample, then it is X', () => {
    expect(idCardCheckDigit('11010519491231002')).toBe('X');
  });

  it.each([
    ['a correct number', valid('62098219620517001'), true],
    ['a wrong check digit', wrongCheck('62098219620517001'), false],
    ['17 characters', '62098219620517001', false],
    ['an impossible date', valid('62098219620230001'), false],
    ['letters', 'ABCDEF19620517001X', false],
  ])('when validating %s, then %s', (_what, value, expected) => {
    expect(isValidIdCardNumber(value)).toBe(expected);
  });

  it('when reading the birth date embedded in a number, then it is YYYY-MM-DD', () => {
    expect(birthDateOfIdCard(valid('62098219620517001'))).toBe('1962-05-17');
  });

  it('when masking, then only the first and last characters remain', () => {
    expect(maskIdCardNumber('330102199001011234')).toBe('3301**********1234');
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it.each([
    ['13812345678', true],
    ['12812345678', false],
    ['1381234567', false],
  ])('when checking phone %s, then %s', (phone, ok) => {
    expect(isValidPhone(phone)).toBe(ok);
  });
});
