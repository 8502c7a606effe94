import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPath } from './tools.ts';
import { searchAttributes } from '../../workflows/search-attributes.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;

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
          if (key.type !== 'KEYWORD')
            throw new Error(`search attribute ${key.name}: only keywords are mapped`);
          return [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD];
        }),
      ),
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
