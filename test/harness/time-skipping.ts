import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPath } from './tools.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const indexedTypes = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/**
 * Temporal's time-skipping test server (Java), with our search attributes registered, as
 * the dev server has them: it refuses workflows that set attributes it does not know.
 */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const path = toolPath('temporal-test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        searchAttributes.map((key) => {
          const indexed = indexedTypes[key.type];
          if (indexed === undefined)
            throw new Error(`search attribute ${key.name}: its type ${key.type} is not mapped`);
          return [key.name, indexed];
        }),
      ),
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
