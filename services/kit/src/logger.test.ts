import { createLogger } from './logger';

describe('logging personal data', () => {
  const capture = () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
    return { logger, lines };
  };

  it('when a failed statement is logged, then its parameters and the driver detail are not', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      query: 'INSERT INTO residents (id_card_number, phone) VALUES ($1, $2)',
      parameters: ['620982196205170012', '13912345678'],
      detail: 'Key (id_card_number)=(620982196205170012) already exists.',
      driverError: { detail: 'Key (id_card_number)=(620982196205170012) already exists.' },
    });
    logger.error({ err }, 'internal error in resolver');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('duplicate key value violates unique constraint');
    expect(lines[0]).not.toContain('620982196205170012');
    expect(lines[0]).not.toContain('13912345678');
  });

  it('when an object with personal fields is logged, then they are redacted', () => {
    const { logger, lines } = capture();
    logger.info({ resident: { idCardNumber: '620982196205170012', phone: '13912345678' } }, 'x');
    expect(lines[0]).not.toMatch(/620982196205170012|13912345678/);
  });
});
