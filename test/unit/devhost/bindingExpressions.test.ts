import { BindingExpressionError, resolveBindingExpression } from '../../../devhost/bindings/expressions';

const NOW = Date.parse('2025-06-22T09:05:07.123Z');

test('binding data, dotted paths (case-insensitive), app settings and the built-ins', () => {
  process.env.BINDING_TEST_ENV = 'staging';
  const data = { name: 'north', data: { Label: 'weekly', n: 3 } };
  expect(resolveBindingExpression('%BINDING_TEST_ENV%/{name}/{data.label}-{DateTime}.txt', data, NOW, 'f')).toBe('staging/north/weekly-2025-06-22T09-05-07Z.txt');
  expect(resolveBindingExpression('c/{sys.utcnow}', data, NOW, 'f')).toBe('c/2025-06-22T09-05-07Z');
  expect(resolveBindingExpression('c/{rand-guid}', data, NOW, 'f')).toMatch(/^c\/[0-9a-f-]{36}$/);
});

test('a missing value is an error naming the expression and what the trigger offers', () => {
  expect(() => resolveBindingExpression('c/{missing}', { instanceId: 'a' }, NOW, "function 'f', blob output 'out' path")).toThrow(
    new BindingExpressionError("function 'f', blob output 'out' path: no value for the binding expression {missing} (this trigger provides: instanceId)."),
  );
  expect(() => resolveBindingExpression('%NO_SUCH_SETTING_X%/a', {}, NOW, 'p')).toThrow(/NO_SUCH_SETTING_X/);
});
