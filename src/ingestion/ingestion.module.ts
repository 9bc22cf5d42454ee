import { Module } from '@nestjs/common';
import { CsvImportService } from './csv-import.service';
import { ImportController } from './import.controller';
import { IngestMessagesUseCase } from './ingest-messages.usecase';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';

@Module({
  controllers: [IngestionController, ImportController],
  providers: [IngestMessagesUseCase, IngestionService, CsvImportService],
  exports: [IngestMessagesUseCase, CsvImportService],
})
export class IngestionModule {}
