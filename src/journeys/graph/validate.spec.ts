import type { JourneyDefinition } from './definition';
import { journeyReferences, KnownReferences, validateJourney } from './validate';

const refs: KnownReferences = {
  templates: new Set(['welcome', 'reminder']),
  segments: new Set(['vip', 'churn-risk']),
  experiments: new Map([
    ['subject-test', { arms: ['a', 'b'], hasHoldout: true }],
    ['plain', { arms: ['x', 'y'], hasHoldout: false }],
  ]),
};

/** Uses every node type and optional field, and is valid. */
const valid = (): JourneyDefinition => ({
  trigger: {
    type: 'event',
    event: 'Order Completed',
    where: [{ path: '$.total', operator: 'greaterThan', value: 50 }],
    keyBy: '$.order_id',
  },
  start: 'hello',
  nodes: [
    {
      id: 'hello',
      type: 'send_email',
      template: 'welcome',
      version: 2,
      blocks: { hero: 1 },
      next: 'pause',
    },
    { id: 'pause', type: 'wait', duration: '1d12h', next: 'route' },
    {
      id: 'route',
      type: 'branch',
      branches: [
        {
          name: 'big',
          when: { all: [{ fact: 'context', path: '$.event.total', operator: 'greaterThan', value: 100 }] },
          next: 'ab',
        },
        { when: { any: [{ fact: 'segments', operator: 'contains', value: 'vip' }] }, next: 'weighted' },
      ],
      else: 'morning',
    },
    { id: 'ab', type: 'split', experiment: 'subject-test', arms: { a: 'mark', b: 'mark' }, holdout: 'done' },
    {
      id: 'weighted',
      type: 'split',
      variants: [
        { name: 'one', weight: 0.1, next: 'mark' },
        { name: 'two', weight: 0.2, next: 'mark' },
        { name: 'three', weight: 0.7, next: 'done' },
      ],
    },
    { id: 'morning', type: 'wait', until: { time: '09:30', weekdays: [1, 2, 3, 4, 5] }, next: 'clicked' },
    {
      id: 'clicked',
      type: 'wait',
      event: { name: 'Email Clicked', where: [{ path: '$.campaign', operator: 'exists' }] },
      timeout: '3d',
      next: 'mark',
      timeoutNext: 'remind',
    },
    { id: 'remind', type: 'send_email', template: 'reminder', transactional: false },
    { id: 'mark', type: 'update_customer', set: { engaged: true }, increment: { touches: 1 }, next: 'done' },
    { id: 'done', type: 'exit', name: 'Done' },
  ],
  goals: [
    {
      name: 'bought again',
      event: 'Order Completed',
      where: [{ path: '$.total', operator: 'in', value: [1, 2] }],
      within: '2w',
    },
  ],
  reentry: { policy: 'cooldown', cooldown: '30d' },
  frequencyCap: { max: 3, within: '1w' },
});

type Definition = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const paths = (change: (d: Definition) => void, known = refs) => {
  const d = valid() as unknown as Definition;
  change(d);
  return validateJourney(d, known).map((p) => p.path);
};
const node = (d: Definition, id: string): Definition => d.nodes.find((n: Definition) => n.id === id);

describe('validateJourney', () => {
  it('accepts a journey using every feature', () => {
    expect(validateJourney(valid(), refs)).toEqual([]);
  });

  it.each<[string, unknown]>([
    [
      'segment trigger',
      { trigger: { type: 'segment_exited', segment: 'vip' }, nodes: [{ id: 'a', type: 'exit' }] },
    ],
    [
      'clv trigger',
      { trigger: { type: 'clv_tier_changed', to: 'high' }, nodes: [{ id: 'a', type: 'exit' }] },
    ],
    [
      'cart trigger',
      { trigger: { type: 'cart_abandoned', window: '2h' }, nodes: [{ id: 'a', type: 'exit' }] },
    ],
    [
      'date trigger',
      {
        trigger: { type: 'date', trait: 'birthday', offsetDays: -7, at: '10:00' },
        nodes: [{ id: 'a', type: 'exit' }],
      },
    ],
    [
      'api trigger, start defaults to the first node',
      { trigger: { type: 'api' }, nodes: [{ id: 'a', type: 'send_email', template: 'welcome' }] },
    ],
    [
      'split on an experiment without holdout',
      {
        trigger: { type: 'api' },
        nodes: [
          { id: 's', type: 'split', experiment: 'plain', arms: { x: 'e', y: 'e' } },
          { id: 'e', type: 'exit' },
        ],
      },
    ],
    [
      'a loop with a wait',
      {
        trigger: { type: 'api' },
        nodes: [
          { id: 'a', type: 'send_email', template: 'welcome', next: 'w' },
          { id: 'w', type: 'wait', duration: '1w', next: 'a' },
        ],
      },
    ],
  ])('accepts a %s', (_name, definition) => {
    expect(validateJourney(definition, refs)).toEqual([]);
  });

  it.each<[string, (d: Definition) => void, string[]]>([
    // structure
    ['empty object', (d) => Object.keys(d).forEach((k) => delete d[k]), ['trigger', 'nodes']],
    ['unknown top-level key', (d) => (d.owner = 'me'), ['owner']],
    ['trigger missing', (d) => delete d.trigger, ['trigger']],
    ['unknown trigger type', (d) => (d.trigger = { type: 'webhook' }), ['trigger.type']],
    ['unknown trigger key', (d) => (d.trigger.segment = 'vip'), ['trigger.segment']],
    ['event trigger without event', (d) => delete d.trigger.event, ['trigger.event']],
    ['bad keyBy', (d) => (d.trigger.keyBy = 'order_id'), ['trigger.keyBy']],
    [
      'unknown segment',
      (d) => (d.trigger = { type: 'segment_entered', segment: 'nope' }),
      ['trigger.segment'],
    ],
    ['segment missing', (d) => (d.trigger = { type: 'segment_entered' }), ['trigger.segment']],
    [
      'clv from = to',
      (d) => (d.trigger = { type: 'clv_tier_changed', from: 'high', to: 'high' }),
      ['trigger.to'],
    ],
    ['cart window 0s', (d) => (d.trigger = { type: 'cart_abandoned', window: '0s' }), ['trigger.window']],
    [
      'cart window bad',
      (d) => (d.trigger = { type: 'cart_abandoned', window: '2 hours' }),
      ['trigger.window'],
    ],
    [
      'offsetDays not integer',
      (d) => (d.trigger = { type: 'date', trait: 'b', offsetDays: 1.5 }),
      ['trigger.offsetDays'],
    ],
    [
      'offsetDays too far',
      (d) => (d.trigger = { type: 'date', trait: 'b', offsetDays: -367 }),
      ['trigger.offsetDays'],
    ],
    ['date at bad', (d) => (d.trigger = { type: 'date', trait: 'b', at: '25:00' }), ['trigger.at']],
    ['date without trait', (d) => (d.trigger = { type: 'date' }), ['trigger.trait']],
    // property conditions
    ['where path not rooted', (d) => (d.trigger.where[0].path = 'total'), ['trigger.where[0].path']],
    [
      'where path with wildcard',
      (d) => (d.trigger.where[0].path = '$.items[*].sku'),
      ['trigger.where[0].path'],
    ],
    ['where unknown operator', (d) => (d.trigger.where[0].operator = 'like'), ['trigger.where[0].operator']],
    ['where value missing', (d) => delete d.trigger.where[0].value, ['trigger.where[0].value']],
    ['where comparison on a string', (d) => (d.trigger.where[0].value = '50'), ['trigger.where[0].value']],
    ['where in without array', (d) => (d.goals[0].where[0].value = 1), ['goals[0].where[0].value']],
    ['where in with an object', (d) => (d.goals[0].where[0].value = [1, {}]), ['goals[0].where[0].value[1]']],
    ['where unknown key', (d) => (d.trigger.where[0].fact = 'x'), ['trigger.where[0].fact']],
    ['where empty', (d) => (d.trigger.where = []), ['trigger.where']],
    [
      'wait-for-event where',
      (d) => (node(d, 'clicked').event.where[0].value = 'yes'),
      ['nodes[6].event.where[0].value'],
    ],
    // nodes
    ['nodes empty', (d) => (d.nodes = []), ['nodes']],
    ['node not an object', (d) => d.nodes.push('x'), ['nodes[10]']],
    ['bad id', (d) => d.nodes.push({ id: 'has space', type: 'exit' }), ['nodes[10].id']],
    ['id too long', (d) => d.nodes.push({ id: 'x'.repeat(65), type: 'exit' }), ['nodes[10].id']],
    ['duplicate id', (d) => d.nodes.push({ id: 'done', type: 'exit' }), ['nodes[10].id']],
    ['unknown node type', (d) => (node(d, 'done').type = 'sms'), ['nodes[9].type']],
    ['unknown node key', (d) => (node(d, 'done').next = 'hello'), ['nodes[9].next']],
    ['send_email unknown template', (d) => (node(d, 'hello').template = 'nope'), ['nodes[0].template']],
    ['send_email version', (d) => (node(d, 'hello').version = 0), ['nodes[0].version']],
    ['send_email block variant', (d) => (node(d, 'hello').blocks = { hero: -1 }), ['nodes[0].blocks.hero']],
    ['send_email transactional', (d) => (node(d, 'hello').transactional = 'yes'), ['nodes[0].transactional']],
    [
      'update_customer with nothing',
      (d) => (d.nodes[8] = { id: 'mark', type: 'update_customer', next: 'done' }),
      ['nodes[8]'],
    ],
    [
      'update_customer increment',
      (d) => (node(d, 'mark').increment = { touches: '1' }),
      ['nodes[8].increment.touches'],
    ],
    // waits
    ['wait with two shapes', (d) => (node(d, 'pause').until = { time: '09:00' }), ['nodes[1]']],
    ['wait with no shape', (d) => delete node(d, 'pause').duration, ['nodes[1]']],
    ['wait duration bad', (d) => (node(d, 'pause').duration = '-1d'), ['nodes[1].duration']],
    ['wait duration too long', (d) => (node(d, 'pause').duration = '367d'), ['nodes[1].duration']],
    [
      'wait without next',
      (d) => delete node(d, 'pause').next,
      [
        'nodes[1].next',
        'nodes[2]',
        'nodes[3]',
        'nodes[4]',
        'nodes[5]',
        'nodes[6]',
        'nodes[7]',
        'nodes[8]',
        'nodes[9]',
      ],
    ],
    ['wait timeout key on a duration wait', (d) => (node(d, 'pause').timeout = '1d'), ['nodes[1].timeout']],
    ['until time bad', (d) => (node(d, 'morning').until.time = '9:30'), ['nodes[5].until.time']],
    ['until weekday 0', (d) => (node(d, 'morning').until.weekdays = [0, 1]), ['nodes[5].until.weekdays[0]']],
    [
      'until weekday twice',
      (d) => (node(d, 'morning').until.weekdays = [1, 1]),
      ['nodes[5].until.weekdays[1]'],
    ],
    ['until weekdays empty', (d) => (node(d, 'morning').until.weekdays = []), ['nodes[5].until.weekdays']],
    ['wait-for-event timeout 0s', (d) => (node(d, 'clicked').timeout = '0s'), ['nodes[6].timeout']],
    [
      'wait-for-event without timeoutNext',
      (d) => delete node(d, 'clicked').timeoutNext,
      ['nodes[6].timeoutNext', 'nodes[7]'],
    ],
    ['wait-for-event without name', (d) => delete node(d, 'clicked').event.name, ['nodes[6].event.name']],
    // branches
    [
      'branch without else',
      (d) => delete node(d, 'route').else,
      ['nodes[2].else', 'nodes[5]', 'nodes[6]', 'nodes[7]'],
    ],
    [
      'branch with no branches',
      (d) => (node(d, 'route').branches = []),
      ['nodes[2].branches', 'nodes[3]', 'nodes[4]'],
    ],
    ['branch without when', (d) => delete node(d, 'route').branches[1].when, ['nodes[2].branches[1].when']],
    [
      'branch condition on an unknown fact',
      (d) => (node(d, 'route').branches[0].when.all[0].fact = 'cart'),
      ['nodes[2].branches[0].when.all[0].fact'],
    ],
    [
      'branch condition, nested path',
      (d) =>
        (node(d, 'route').branches[0].when = {
          all: [
            { fact: 'traits', path: '$.a', operator: 'exists', value: true },
            { fact: 'stats', path: '$.nope', operator: 'exists', value: true },
          ],
        }),
      ['nodes[2].branches[0].when.all[1].path'],
    ],
    [
      'branch condition, unknown segment',
      (d) => (node(d, 'route').branches[1].when.any[0].value = 'gone'),
      ['nodes[2].branches[1].when.any[0].value'],
    ],
    [
      'branch condition, a bare leaf',
      (d) => (node(d, 'route').branches[1].when = { fact: 'segments', operator: 'contains', value: 'vip' }),
      ['nodes[2].branches[1].when'],
    ],
    // splits
    ['split with neither', (d) => (d.nodes[4] = { id: 'weighted', type: 'split' }), ['nodes[4]']],
    ['split with both', (d) => (node(d, 'ab').variants = node(d, 'weighted').variants), ['nodes[3]']],
    ['unknown experiment', (d) => (node(d, 'ab').experiment = 'nope'), ['nodes[3].experiment']],
    ['experiment arm missing', (d) => delete node(d, 'ab').arms.b, ['nodes[3].arms']],
    ['experiment arm unknown', (d) => (node(d, 'ab').arms.c = 'mark'), ['nodes[3].arms.c']],
    ['experiment arms missing', (d) => delete node(d, 'ab').arms, ['nodes[3].arms']],
    ['experiment holdout missing', (d) => delete node(d, 'ab').holdout, ['nodes[3].holdout']],
    [
      'holdout without one',
      (d) => (d.nodes[3] = { ...node(d, 'ab'), experiment: 'plain', arms: { x: 'mark', y: 'mark' } }),
      ['nodes[3].holdout'],
    ],
    ['arms without experiment', (d) => (node(d, 'weighted').arms = { a: 'mark' }), ['nodes[4].arms']],
    [
      'one variant',
      (d) => (node(d, 'weighted').variants = [{ name: 'one', weight: 1, next: 'mark' }]),
      ['nodes[4].variants'],
    ],
    [
      'duplicate variant name',
      (d) => (node(d, 'weighted').variants[1].name = 'one'),
      ['nodes[4].variants[1].name'],
    ],
    [
      'variant weight 0',
      (d) => (node(d, 'weighted').variants[0].weight = 0),
      ['nodes[4].variants[0].weight'],
    ],
    [
      'variant weight over 1',
      (d) => (node(d, 'weighted').variants[0].weight = 1.1),
      ['nodes[4].variants[0].weight'],
    ],
    [
      'weights not summing to 1',
      (d) => (node(d, 'weighted').variants[2].weight = 0.6),
      ['nodes[4].variants'],
    ],
    // graph
    [
      'dangling next',
      (d) => (node(d, 'hello').next = 'nowhere'),
      [
        'nodes[0].next',
        'nodes[1]',
        'nodes[2]',
        'nodes[3]',
        'nodes[4]',
        'nodes[5]',
        'nodes[6]',
        'nodes[7]',
        'nodes[8]',
        'nodes[9]',
      ],
    ],
    ['dangling arm', (d) => (node(d, 'ab').arms.a = 'nowhere'), ['nodes[3].arms.a']],
    [
      'dangling variant',
      (d) => (node(d, 'weighted').variants[2].next = 'nowhere'),
      ['nodes[4].variants[2].next'],
    ],
    [
      'dangling else',
      (d) => (node(d, 'route').else = 'nowhere'),
      ['nodes[2].else', 'nodes[5]', 'nodes[6]', 'nodes[7]'],
    ],
    ['start missing node', (d) => (d.start = 'nowhere'), ['start']],
    ['start not an id', (d) => (d.start = 5), ['start']],
    ['unreachable node', (d) => d.nodes.push({ id: 'orphan', type: 'exit' }), ['nodes[10]']],
    ['loop without a wait', (d) => (node(d, 'mark').next = 'route'), ['nodes[2]']],
    ['self loop', (d) => (node(d, 'remind').next = 'remind'), ['nodes[7]']],
    [
      'loop through a 0s wait',
      (d) => Object.assign(node(d, 'pause'), { duration: '0s' }) && (node(d, 'mark').next = 'hello'),
      ['nodes[0]'],
    ],
    // goals, reentry, frequency cap
    ['goal within bad', (d) => (d.goals[0].within = '2 weeks'), ['goals[0].within']],
    ['goal without event', (d) => delete d.goals[0].event, ['goals[0].event']],
    ['goal unknown key', (d) => (d.goals[0].value = 1), ['goals[0].value']],
    ['goals not a list', (d) => (d.goals = {}), ['goals']],
    ['unknown reentry policy', (d) => (d.reentry = { policy: 'never' }), ['reentry.policy']],
    ['cooldown missing', (d) => delete d.reentry.cooldown, ['reentry.cooldown']],
    ['cooldown with once', (d) => (d.reentry.policy = 'once'), ['reentry.cooldown']],
    ['frequencyCap max 0', (d) => (d.frequencyCap.max = 0), ['frequencyCap.max']],
    ['frequencyCap max fractional', (d) => (d.frequencyCap.max = 1.5), ['frequencyCap.max']],
    ['frequencyCap within missing', (d) => delete d.frequencyCap.within, ['frequencyCap.within']],
  ])('%s', (_name, change, expected) => {
    expect(paths(change)).toEqual(expected);
  });

  it('refuses what is not an object', () => {
    expect(validateJourney([], refs)).toEqual([{ path: '', message: expect.any(String) }]);
    expect(validateJourney(null, refs)).toEqual([{ path: '', message: expect.any(String) }]);
  });

  it('lists every problem at once', () => {
    const problems = paths((d) => {
      d.trigger.event = '';
      node(d, 'hello').template = 'nope';
      node(d, 'pause').duration = 'soon';
      d.frequencyCap.max = -1;
    });
    expect(problems).toEqual(['trigger.event', 'nodes[0].template', 'nodes[1].duration', 'frequencyCap.max']);
  });

  it('says why, naming what is wrong', () => {
    const messages = (change: (d: Definition) => void) => {
      const d = valid() as unknown as Definition;
      change(d);
      return validateJourney(d, refs).map((p) => p.message);
    };
    expect(messages((d) => (node(d, 'hello').next = 'nowhere'))[0]).toBe('no node "nowhere"');
    expect(messages((d) => (node(d, 'mark').next = 'route'))).toEqual([
      'loops through "route", "ab", "weighted", "mark" without a wait: a run would go round without pausing',
    ]);
    expect(messages((d) => delete node(d, 'ab').arms.b)).toEqual(['must route every arm; missing b']);
  });
});

describe('journeyReferences', () => {
  it('lists templates, segments and experiments once each', () => {
    const d = valid() as unknown as Definition;
    d.trigger = { type: 'segment_entered', segment: 'churn-risk' };
    expect(journeyReferences(d)).toEqual({
      templates: ['welcome', 'reminder'],
      segments: ['churn-risk', 'vip'],
      experiments: ['subject-test'],
    });
  });

  it.each<unknown>([
    null,
    'x',
    [],
    { nodes: 'x' },
    { trigger: 1, nodes: [null, { type: 'branch', branches: [null, { when: 5 }] }] },
  ])('tolerates %j', (definition) => {
    expect(journeyReferences(definition)).toEqual({ templates: [], segments: [], experiments: [] });
  });
});
